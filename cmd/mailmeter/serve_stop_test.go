package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/store/storetest"
)

// serve waits, before it returns, for every goroutine it started
// (collectors, Maildir watchers, the quota view's and revocations'
// reloads, quota warnings, webhook delivery, the policy server), whether it
// stops because its context ended or because starting a part failed.
func TestServeStopsEverythingItStarted(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { serveStops(t, "sqlite:"+filepath.Join(t.TempDir(), "m.db")) })
	t.Run("postgres", func(t *testing.T) { serveStops(t, storetest.PostgresURL(t)) })
}

func serveStops(t *testing.T, db string) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "mail.log")
	writeFile(t, logPath, "Mar 10 09:00:00 mx postfix/qmgr[2]: ABAB00009: removed\n")
	if err := os.MkdirAll(filepath.Join(dir, "vmail", "acme.example", "alice", "cur"), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "mailmeter.yaml")
	writeFile(t, cfg, "logs:\n  - {path: "+logPath+", format: postfix, host: mx}\nmaildirs:\n  - {root: "+filepath.Join(dir, "vmail")+", layout: '%d/%n'}\n"+
		"quota:\n  webhook_url: http://127.0.0.1:9/hook\n")
	secret := map[string]string{"MAILMETER_JWT_SECRET": "0123456789abcdef0123456789abcdef-stop"}
	serve := func(ctx context.Context, addr, policyAddr string) (code int, stderr string) {
		var errb lockedBuffer
		code = run(ctx, []string{"serve", "--listen", addr, "--policy-listen", policyAddr, "--db", db, "--config", cfg},
			env{stdout: io.Discard, stderr: &errb, getenv: func(k string) string { return secret[k] }})
		return code, errb.String()
	}

	t.Run("context ends", func(t *testing.T) {
		before := ourGoroutines()
		addr := freeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		var stderr string
		go func() { code, e := serve(ctx, addr, freeAddr(t)); stderr = e; done <- code }()
		waitFor(t, func() bool { return len(done) > 0 || get(addr, "/healthz") == http.StatusOK })
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("serve exit %d: %s", code, stderr)
		}
		leaked(t, before)
	})
	t.Run("a part fails to start", func(t *testing.T) {
		taken, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer taken.Close()
		before := ourGoroutines()
		code, stderr := serve(context.Background(), freeAddr(t), taken.Addr().String())
		if code != 1 || !strings.Contains(stderr, "policy listen") {
			t.Fatalf("serve exit %d, stderr %q; want 1 and the policy listener's error", code, stderr)
		}
		leaked(t, before)
	})
}

// leaked fails for every goroutine running this module's code that was
// not there before.
func leaked(t *testing.T, before map[string]string) {
	t.Helper()
	for id, stack := range ourGoroutines() {
		if _, ok := before[id]; !ok {
			t.Errorf("goroutine still running after serve returned:\n%s", stack)
		}
	}
}

// ourGoroutines returns, by id, the stacks of the goroutines running this
// module's code (frames of package main or of the module), leaving out the
// tests' own.
func ourGoroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, stack, _ := strings.Cut(g, "\n")
		if strings.Contains(stack, "main.Test") || strings.Contains(stack, "testing.tRunner") {
			continue
		}
		for _, line := range strings.Split(stack, "\n") {
			if strings.HasPrefix(line, "main.") || strings.HasPrefix(line, "github.com/mailmeter/mailmeter/") {
				id, _, _ := strings.Cut(strings.TrimPrefix(header, "goroutine "), " ")
				out[id] = g
				break
			}
		}
	}
	return out
}
