package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/maildir"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/webhook"
)

// startDovecotLMTP runs a private Dovecot whose only service is LMTP on a
// loopback port, configured with deploy/dovecot/mailmeter.conf and, after
// it, the test's paths: Maildirs below vmail/DOMAIN/USER for the test's
// mailboxes. It returns the LMTP address.
func startDovecotLMTP(t *testing.T, vmail string) string {
	t.Helper()
	_, err := os.Stat(dovecotCmd)
	_, errLMTP := os.Stat("/usr/lib/dovecot/lmtp")
	testenv.SkipUnless(t, err == nil && errLMTP == nil && os.Geteuid() == 0, "Dovecot LMTP and root", "run .ci/install-dovecot as root")
	dir := t.TempDir()
	openUp(t, dir)
	for _, d := range []string{"run", "state"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	snippet, err := os.ReadFile(filepath.Join("..", "deploy", "dovecot", "mailmeter.conf"))
	if err != nil {
		t.Fatal(err)
	}
	writeFileT(t, filepath.Join(dir, "mailmeter.conf"), string(snippet))
	var users strings.Builder
	for _, mb := range vmailboxes() {
		fmt.Fprintf(&users, "%s::%d:%d::%s/%s\n", mb[0], vmailUID, vmailUID, vmail, strings.TrimSuffix(mb[1], "/"))
	}
	writeFileT(t, filepath.Join(dir, "users"), users.String())
	port := freePort(t)
	conf := filepath.Join(dir, "dovecot.conf")
	writeFileT(t, conf, fmt.Sprintf(`protocols =
listen = 127.0.0.1
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
ssl = no
default_internal_user = dovecot
default_login_user = dovenull
passdb {
  driver = passwd-file
  args = %[1]s/users
}
userdb {
  driver = passwd-file
  args = %[1]s/users
}
!include %[1]s/mailmeter.conf
# The test's paths and port over the snippet's.
mail_location = maildir:~
service lmtp {
  inet_listener lmtp {
    port = %[2]d
  }
}
`, dir, port))
	startLog := filepath.Join(dir, "start.log")
	lf, err := os.Create(startLog)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(dovecotCmd, "-c", conf)
	cmd.Stdout, cmd.Stderr = lf, lf
	err = cmd.Run()
	lf.Close()
	if err != nil {
		t.Fatalf("dovecot: %v\n%s\n%s", err, readTail(startLog), readTail(filepath.Join(dir, "dovecot.log")))
	}
	t.Cleanup(func() { exec.Command(dovecotCmd, "-c", conf, "stop").Run() })
	addr := "127.0.0.1:" + strconv.Itoa(port)
	waitFor(t, 30*time.Second, "dovecot lmtp listening on "+addr, func() error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
	return addr
}

// postfixSnippet reads deploy/dovecot/postfix-main.cf as postconf
// settings, with the test's policy and LMTP addresses.
func postfixSnippet(t *testing.T, policyAddr, lmtpAddr string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "deploy", "dovecot", "postfix-main.cf"))
	if err != nil {
		t.Fatal(err)
	}
	r := strings.NewReplacer("127.0.0.1:10031", policyAddr, "127.0.0.1:24", lmtpAddr)
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, " = "); ok && !strings.HasPrefix(line, "#") {
			out = append(out, k+"="+r.Replace(v))
		}
	}
	if len(out) < 3 {
		t.Fatalf("deploy/dovecot/postfix-main.cf: %d settings", len(out))
	}
	return out
}

// hook is a webhook receiver verifying each delivery with the Standard
// Webhooks reference library.
type hook struct {
	mu     sync.Mutex
	events []map[string]any
	errs   []error
}

// TestDovecotLMTPQuota runs the seed's stack with mailmeter in place of
// Dovecot's quota plugin: Postfix asks mailmeter's policy server (deploy/
// dovecot/postfix-main.cf, replacing quota-status) and delivers through a
// real Dovecot LMTP (deploy/dovecot/mailmeter.conf) into Maildirs that
// mailmeter's watcher meters. Crossing 80 % of alice's storage limit sends
// a signed webhook (replacing quota_warning), the watcher's figure equal to
// the files on disk; at the limit Postfix refuses her mail at RCPT with
// quota-status's 552 5.2.2 while bob still receives.
func TestDovecotLMTPQuota(t *testing.T) {
	skipWithoutPostfix(t)
	ctx := testContext(t, 4*time.Minute)
	p := startPolicyStack(t, ctx)
	vmail := filepath.Join(t.TempDir(), "vmail")
	openUp(t, filepath.Dir(vmail))
	if err := os.Mkdir(vmail, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(vmail, vmailUID, vmailUID); err != nil {
		t.Fatal(err)
	}
	lmtp := startDovecotLMTP(t, vmail)
	in := startPostfix(t, append(postfixSnippet(t, p.addr, lmtp), "mynetworks=192.0.2.0/24")...)

	// mailmeter's Maildir watcher, its recorder feeding the store and view.
	layout, err := maildir.ParseLayout(filepath.Join(vmail, "%d", "%n"), "")
	if err != nil {
		t.Fatal(err)
	}
	rec := metering.NewRecorder(p.store, p.view.Apply)
	w, err := maildir.NewWatcher(ctx, maildir.WatcherOptions{Layout: layout, Sink: rec, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	// The webhook receiver and mailmeter's alerter and sender.
	secret := "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	verifier, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	h := &hook{}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev map[string]any
		json.Unmarshal(body, &ev)
		h.mu.Lock()
		h.events, h.errs = append(h.events, ev), append(h.errs, verifier.Verify(body, r.Header))
		h.mu.Unlock()
	}))
	defer srv.Close()
	key, _ := webhook.ParseSecret(secret)
	sender := webhook.NewSender(srv.URL, key, p.store, slog.New(slog.DiscardHandler), time.Now)
	alerter := quota.NewAlerter(p.view, p.store, nil, true, slog.New(slog.DiscardHandler), time.Now)
	const limit = 12000
	qs := quota.NewService(p.store, p.view, p.store, time.Now)
	if _, err := qs.SetLimits(ctx, quota.LimitsInput{Mailbox: "alice@a.test", StorageHard: limit}); err != nil {
		t.Fatal(err)
	}

	// onDisk is alice's Maildir as the file system has it.
	onDisk := func() (files, bytes int64) {
		u := maildirUsage(t, vmail)["alice@a.test"]
		return u[metering.InMessages], u[metering.InBytes]
	}
	// metered waits for the watcher to have what is on disk, commits it
	// and runs a round of warnings.
	metered := func(files int64) int64 {
		t.Helper()
		var bytes int64
		waitFor(t, 60*time.Second, fmt.Sprintf("%d files delivered to alice and metered", files), func() error {
			n, b := onDisk()
			if n != files {
				return fmt.Errorf("%d files on disk\n%s", n, readTail(in.maillog))
			}
			for _, u := range w.Usage() {
				if u.Mailbox == "alice@a.test" && u.Bytes == b && u.Messages == n {
					bytes = b
					return nil
				}
			}
			return fmt.Errorf("the watcher does not show %d files, %d bytes yet: %+v", n, b, w.Usage())
		})
		if err := rec.Flush(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := alerter.Check(ctx); err != nil {
			t.Fatal(err)
		}
		if _, _, err := sender.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		return bytes
	}

	// Deliveries through Postfix and Dovecot LMTP until alice passes 80 %.
	var used int64
	var sent int64
	for used < limit*8/10 {
		if out, code := swaks(t, in, "alice@a.test"); code != 0 {
			t.Fatalf("to alice under quota: swaks exit %d\n%s", code, out)
		}
		sent++
		used = metered(sent)
		if sent > 40 {
			t.Fatalf("alice holds %d bytes after %d messages", used, sent)
		}
	}
	h.mu.Lock()
	if len(h.events) == 0 {
		t.Fatalf("no webhook after crossing 80 %% (%d of %d bytes)", used, limit)
	}
	ev := h.events[len(h.events)-1]
	if ev["type"] != "quota.threshold_crossed" || ev["mailbox"] != "alice@a.test" || ev["meter"] != "storage" ||
		ev["threshold_percent"] != 80.0 || ev["used"] != float64(used) || ev["limit"] != float64(limit) || h.errs[len(h.errs)-1] != nil {
		t.Errorf("webhook %v (verification: %v), want storage crossing 80 %% with used %d of %d", ev, h.errs[len(h.errs)-1], used, limit)
	}
	h.mu.Unlock()

	// Up to the limit; then Postfix refuses her at RCPT, as quota-status did.
	for used < limit {
		if out, code := swaks(t, in, "alice@a.test"); code != 0 {
			t.Fatalf("to alice below her limit: swaks exit %d\n%s", code, out)
		}
		sent++
		used = metered(sent)
	}
	out, code := swaks(t, in, "alice@a.test")
	if code != 24 || !strings.Contains(out, "<** 552 5.2.2 <alice@a.test>: Recipient address rejected: Mailbox is full\n") {
		t.Errorf("to alice at her limit: swaks exit %d, want 24 and 552 5.2.2 Mailbox is full\n%s", code, out)
	}
	if out, code := swaks(t, in, "bob@a.test"); code != 0 {
		t.Errorf("to bob: swaks exit %d\n%s", code, out)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var levels []float64
	for i, ev := range h.events {
		levels = append(levels, ev["threshold_percent"].(float64))
		if h.errs[i] != nil {
			t.Errorf("webhook %d does not verify: %v", i, h.errs[i])
		}
	}
	if len(levels) < 2 || levels[0] != 80 || levels[len(levels)-1] != 100 {
		t.Errorf("webhooks at %v %%, want 80 first and 100 last, each once", levels)
	}
}
