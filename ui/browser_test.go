package ui_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/mailmeter/mailmeter/internal/testenv"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's chromium (headless) against a real
// `mailmeter demo` (the binary, built once): the demo world served with its
// collectors, as `make run` does.

// chromium returns the browser's path, or skips the test with one line.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testenv.Skip(t, "chromium for the browser tests", "apt-get install chromium, or .ci/install-chromium")
	return ""
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cmd/mailmeter once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mailmeter-ui-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "mailmeter")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/mailmeter")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/mailmeter: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer is a bytes.Buffer safe for a process to write while the
// test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// demo is a running `mailmeter demo`.
type demo struct {
	t                *testing.T
	bin, dir, config string
	base             string // http://127.0.0.1:PORT
	out, log         *syncBuffer
	tokens           map[string]string // MAILMETER_*_TOKEN
}

// startDemo runs the demo world on db ("" = its SQLite file) with extra
// environment, and waits until it serves and has metered its history.
func startDemo(t *testing.T, db string, env ...string) *demo {
	t.Helper()
	d := &demo{t: t, bin: binary(t), dir: filepath.Join(t.TempDir(), "data"), out: &syncBuffer{}, log: &syncBuffer{}}
	d.config = filepath.Join(d.dir, "mailmeter.yaml")
	addr := freePort(t)
	d.base = "http://" + addr
	args := []string{"demo", "--data", d.dir, "--listen", addr, "--rate", "5"}
	if db != "" {
		args = append(args, "--db", db)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, d.bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = d.out, d.log
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	d.waitFor("the demo to serve", 60*time.Second, func() bool {
		return strings.Contains(d.out.String(), "MAILMETER_MAILBOX_TOKEN=") && d.status("/healthz", "") == 200
	})
	d.tokens = map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(d.out.String()))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && strings.HasPrefix(k, "MAILMETER_") && strings.HasSuffix(k, "_TOKEN") {
			d.tokens[k] = v
		}
	}
	d.waitFor("the demo's history to be metered", 60*time.Second, func() bool {
		var u struct {
			Totals map[string]int64 `json:"totals"`
		}
		return d.getJSON("/v1/customers/demo/usage", d.tokens["MAILMETER_ADMIN_TOKEN"], &u) == 200 && u.Totals["in_messages"] > 100
	})
	return d
}

func (d *demo) waitFor(what string, limit time.Duration, cond func() bool) {
	d.t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			d.t.Fatalf("timed out waiting for %s\nstdout:\n%s\nlog (tail):\n%s", what, d.out.String(), tail(d.log.String(), 3000))
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-d.t.Context().Done():
			d.t.FailNow()
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func (d *demo) do(method, path, tok, body string) (int, []byte) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, d.base+path, rd)
	if err != nil {
		d.t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (d *demo) status(path, tok string) int {
	code, _ := d.do("GET", path, tok, "")
	return code
}

func (d *demo) getJSON(path, tok string, v any) int {
	code, b := d.do("GET", path, tok, "")
	if code == 200 {
		_ = json.Unmarshal(b, v)
	}
	return code
}

// must runs a request that has to succeed.
func (d *demo) must(method, path, tok, body string) []byte {
	d.t.Helper()
	code, b := d.do(method, path, tok, body)
	if code < 200 || code > 299 {
		d.t.Fatalf("%s %s: %d %s", method, path, code, b)
	}
	return b
}

// cli runs a mailmeter command on the demo's configuration.
func (d *demo) cli(args ...string) string {
	d.t.Helper()
	cmd := exec.Command(d.bin, append(args, "--config", d.config)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr // token create says the token's id there
	out, err := cmd.Output()
	if err != nil {
		d.t.Fatalf("mailmeter %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// browser is a headless chromium tab that records what the pages say on
// their consoles and every URL they request.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	problems []string // console errors, exceptions, failed loads
	urls     []string // every request's URL as sent (no fragment)
	headers  []string // every request's headers, flattened
	allowed  []string // URL parts whose failed load is expected
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	b := &browser{t: t}
	ctx, cancel := chromedp.NewContext(context.Background(),
		chromedp.WithAllocatorOptions(chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.WindowSize(1360, 900),
			chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-gpu", true), chromedp.Flag("lang", "en-GB")),
		chromedp.WithListener(b.listen))
	t.Cleanup(cancel)
	b.ctx = ctx
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, cdplog.Enable, cdp.Empty{})
		return err
	})); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

func (b *browser) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range e.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			b.problems = append(b.problems, "console.error: "+strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		b.problems = append(b.problems, "exception: "+msg)
	case *cdplog.EventEntryAdded:
		if e.Entry.Level == cdplog.EntryLevelError {
			for _, a := range b.allowed {
				if strings.Contains(e.Entry.URL, a) {
					return
				}
			}
			b.problems = append(b.problems, "log: "+e.Entry.Text+" "+e.Entry.URL)
		}
	case *network.EventRequestWillBeSent:
		b.urls = append(b.urls, e.Request.URL)
		for k, v := range e.Request.Headers {
			if !strings.EqualFold(k, "Authorization") {
				b.headers = append(b.headers, fmt.Sprintf("%s: %v", k, v))
			}
		}
	}
}

// allow lets a failed load of URLs containing part pass (a route the
// console probes for and falls back from).
func (b *browser) allow(part string) {
	b.mu.Lock()
	b.allowed = append(b.allowed, part)
	b.mu.Unlock()
}

// takeProblems returns and forgets what the consoles reported.
func (b *browser) takeProblems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.problems
	b.problems = nil
	return p
}

func (b *browser) requests() (urls, headers []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.urls...), append([]string(nil), b.headers...)
}

// navigate loads url as a new document (by way of about:blank, so a link
// that differs from the current page in its fragment alone loads afresh).
func (b *browser) navigate(url string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(url)); err != nil {
		b.t.Fatalf("navigate %s: %v", url, err)
	}
}

// eval runs JavaScript (awaiting a promise) and returns its value.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %.80s: %v", js, err)
	}
	return v
}

// wait polls a JavaScript condition until it holds.
func (b *browser) wait(what, js string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(20*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		b.t.Fatalf("waiting for %s: %v\npage text: %.1500s", what, err, eval[string](b, "document.body.innerText"))
	}
}

// screenshot writes a PNG of the whole page to dir/name.png.
func (b *browser) screenshot(dir, name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) viewport(w, h int64, mobile bool) {
	b.t.Helper()
	var opts []chromedp.EmulateViewportOption
	if mobile {
		opts = append(opts, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(w, h, opts...)); err != nil {
		b.t.Fatal(err)
	}
}

// screenshotDir is where the pictures of the pages go: MAILMETER_SCREENSHOTS
// or artifacts/screenshots in the module.
func screenshotDir(t *testing.T, sub string) string {
	dir := os.Getenv("MAILMETER_SCREENSHOTS")
	if dir == "" {
		abs, err := filepath.Abs(filepath.Join("..", "artifacts", "screenshots"))
		if err != nil {
			t.Fatal(err)
		}
		dir = abs
	}
	return filepath.Join(dir, sub)
}
