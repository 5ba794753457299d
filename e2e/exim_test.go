package e2e

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/metering/maildir"
	"github.com/mailmeter/mailmeter/policy"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/store"
)

// eximDefault is where .ci/install-exim unpacks Debian's exim4-daemon-light
// (the package conflicts with Postfix, so it is not installed).
const eximDefault = "/var/cache/mailmeter-ci/exim/usr/sbin/exim4"

// eximBinary returns the Exim binary ($MAILMETER_EXIM or the unpacked
// one), skipping the test without it, swaks, its user or root.
func eximBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("MAILMETER_EXIM")
	if bin == "" {
		bin = eximDefault
	}
	_, errBin := os.Stat(bin)
	_, errSwaks := exec.LookPath("swaks")
	_, errUser := user.Lookup("Debian-exim")
	testenv.SkipUnless(t, errBin == nil && errSwaks == nil && errUser == nil && os.Geteuid() == 0,
		"Exim, swaks and root", "run .ci/install-exim and .ci/install-postfix as root, or set MAILMETER_EXIM")
	return bin
}

// eximInstance is a private Exim daemon on a loopback port, with its
// spool, log and Maildirs below a test's temporary directory, and
// mailmeter's deploy/exim snippets in its configuration.
type eximInstance struct {
	bin, dir, conf, vmail, mainlog string
	port                           int
}

// eximConfig is the test's exim.conf: local domains a.test and b.test,
// their mailboxes delivered to Maildirs, mailmeter's main, RCPT and DATA
// snippets included where deploy/exim says.
const eximConfig = `exim_path = {{bin}}
primary_hostname = mx.e2e.test
spool_directory = {{dir}}/spool
log_file_path = {{dir}}/log/%slog
daemon_smtp_ports = {{port}}
local_interfaces = 127.0.0.1
tls_advertise_hosts =
host_lookup =
rfc1413_hosts =
keep_environment =
timezone = UTC
never_users = root
domainlist local_domains = a.test : b.test
MAILMETER_POLICY = inet:{{policy}}
.include {{dir}}/mailmeter.conf
acl_smtp_rcpt = acl_check_rcpt
acl_smtp_data = acl_check_data

begin acl
acl_check_rcpt:
  deny    !domains = +local_domains
          message = relay not permitted
  require verify = recipient
.include {{dir}}/mailmeter-rcpt.acl
  accept

acl_check_data:
.include {{dir}}/mailmeter-data.acl
  accept

begin routers
vmail:
  driver = accept
  domains = +local_domains
  local_parts = lsearch,ret=key;{{dir}}/localparts
  condition = ${lookup{$local_part@$domain}lsearch{{{dir}}/mailboxes}{yes}{no}}
  transport = maildir_delivery

begin transports
# No header added on delivery: each file holds exactly the S= bytes Exim logs.
maildir_delivery:
  driver = appendfile
  directory = {{dir}}/vmail/$domain_data/$local_part_data
  maildir_format
  create_directory
  user = Debian-exim
  group = Debian-exim
  delivery_date_add = false
  envelope_to_add = false
  return_path_add = false
  mode = 0600

begin retry
*  *  F,1m,10s

begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = ${if and {{eq{$auth2}{alice@a.test}}{eq{$auth3}{secret}}}}
  server_set_id = $auth2
`

// startExim writes the configuration, copies deploy/exim into it and
// starts the daemon; it is stopped when the test ends. (Exim re-executed
// with -C drops root, so deliveries run as its own user.)
func startExim(t *testing.T, bin, policyAddr string) *eximInstance {
	t.Helper()
	ex := &eximInstance{bin: bin, dir: t.TempDir(), port: freePort(t)}
	openUp(t, ex.dir)
	ex.conf, ex.vmail, ex.mainlog = filepath.Join(ex.dir, "exim.conf"), filepath.Join(ex.dir, "vmail"), filepath.Join(ex.dir, "log", "mainlog")
	u, err := user.Lookup("Debian-exim")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for _, d := range []string{"spool", "log", "vmail"} {
		p := filepath.Join(ex.dir, d)
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	var parts, boxes strings.Builder
	for _, mb := range vmailboxes() {
		local, _, _ := strings.Cut(mb[0], "@")
		fmt.Fprintf(&parts, "%s:\n", local)
		fmt.Fprintf(&boxes, "%s:\n", mb[0])
	}
	writeFileT(t, filepath.Join(ex.dir, "localparts"), parts.String())
	writeFileT(t, filepath.Join(ex.dir, "mailboxes"), boxes.String())
	for _, name := range []string{"mailmeter.conf", "mailmeter-rcpt.acl", "mailmeter-data.acl"} {
		b, err := os.ReadFile(filepath.Join("..", "deploy", "exim", name))
		if err != nil {
			t.Fatal(err)
		}
		writeFileT(t, filepath.Join(ex.dir, name), string(b))
	}
	conf := strings.NewReplacer("{{bin}}", bin, "{{dir}}", ex.dir, "{{port}}", strconv.Itoa(ex.port), "{{policy}}", policyAddr).Replace(eximConfig)
	writeFileT(t, ex.conf, conf)
	pidFile := filepath.Join(ex.dir, "exim.pid")
	if out, err := exec.Command(bin, "-C", ex.conf, "-bd", "-q5s", "-oP", pidFile).CombinedOutput(); err != nil {
		t.Fatalf("exim -bd: %v\n%s\npaniclog: %s", err, out, readTail(filepath.Join(ex.dir, "log", "paniclog")))
	}
	t.Cleanup(func() {
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				syscall.Kill(pid, syscall.SIGTERM)
			}
		}
	})
	waitFor(t, 30*time.Second, "exim listening on port "+strconv.Itoa(ex.port), func() error {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(ex.port), time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
	return ex
}

func writeFileT(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// swaksExim sends one message of about body bytes to the recipients and
// returns the transcript and swaks' exit code.
func swaksExim(t *testing.T, ex *eximInstance, body int, to ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := []string{"--server", "127.0.0.1", "--port", strconv.Itoa(ex.port), "--timeout", "30",
		"--helo", "client.e2e.test", "--from", sender}
	if body > 0 {
		args = append(args, "--body", strings.Repeat("metered line of text\n", body/21+1))
	}
	for len(to) > 0 && strings.HasPrefix(to[0], "--") { // swaks flags before the recipients
		args, to = append(args, to[0], to[1]), to[2:]
	}
	args = append(args, "--to", strings.Join(to, ","))
	out, err := exec.CommandContext(ctx, "swaks", args...).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	}
	t.Fatalf("swaks: %v", err)
	return "", -1
}

// maildirUsage reads what the Maildirs hold, independently of mailmeter:
// message files (in cur/ and new/ of any folder) and their bytes per
// mailbox.
func maildirUsage(t *testing.T, vmail string) totals {
	t.Helper()
	got := totals{}
	for _, mb := range vmailboxes() {
		local, domain, _ := strings.Cut(mb[0], "@")
		root := filepath.Join(vmail, domain, local)
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if dir := filepath.Base(filepath.Dir(path)); dir != "cur" && dir != "new" {
				return nil // Dovecot's index, uidlist, maildirsize …: not messages
			}
			fi, err := d.Info()
			if err != nil {
				t.Fatal(err)
			}
			got.add(mb[0], metering.InMessages, 1)
			got.add(mb[0], metering.InBytes, fi.Size())
			return nil
		})
	}
	return got
}

// policyStack is mailmeter's side of quota at SMTP time: a store with the
// test's directory, the quota view and the policy server on loopback.
type policyStack struct {
	store *store.Store
	view  *quota.View
	addr  string
}

func startPolicyStack(t *testing.T, ctx context.Context) *policyStack {
	t.Helper()
	s, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "m.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	dir := directory.NewService(s, time.Now)
	if _, err := dir.AddCustomer(ctx, directory.CustomerInput{ID: "e2e", Name: "E2E"}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{domainA, domainB} {
		if _, err := dir.AddDomain(ctx, directory.DomainInput{Name: d, CustomerID: "e2e"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, mb := range vmailboxes() {
		if _, err := dir.AddMailbox(ctx, directory.MailboxInput{Address: mb[0]}); err != nil {
			t.Fatal(err)
		}
	}
	view := quota.NewView(s, s, time.Now)
	if err := view.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	srv, err := policy.NewServer(policy.NewDecider(view, policy.Options{Delimiter: "+"}, time.Now), slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln) }()
	t.Cleanup(func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("policy server: %v", err)
		}
	})
	return &policyStack{store: s, view: view, addr: ln.Addr().String()}
}

// scanInto meters the Maildirs into the store and the view, as a watcher.
func (p *policyStack) scanInto(t *testing.T, ctx context.Context, vmail string) *maildir.Report {
	t.Helper()
	layout, err := maildir.ParseLayout(filepath.Join(vmail, "%d", "%n"), "")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := (&maildir.Scanner{Layout: layout}).Scan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rec := metering.NewRecorder(p.store, p.view.Apply)
	rep.Emit(rec)
	if err := rec.Flush(ctx, nil); err != nil {
		t.Fatal(err)
	}
	return rep
}

// waitEximDone waits until Exim logged n Completed messages and the
// Maildirs hold files deliveries.
func waitEximDone(t *testing.T, ex *eximInstance, completed, files int) {
	t.Helper()
	waitFor(t, 90*time.Second, fmt.Sprintf("%d messages completed, %d files delivered", completed, files), func() error {
		b, err := os.ReadFile(ex.mainlog)
		if err != nil {
			return err
		}
		n := strings.Count(string(b), " Completed")
		got := 0
		for _, u := range maildirUsage(t, ex.vmail) {
			got += int(u[metering.InMessages])
		}
		if n != completed || got != files {
			return fmt.Errorf("%d completed, %d files\n%s", n, got, readTail(ex.mainlog))
		}
		return nil
	})
}

// TestExim runs a real Exim with mailmeter's deploy/exim snippets: the
// deliveries it logs are metered exactly (message counts and bytes equal
// to the Maildir files, which hold the S= bytes), and once a mailbox is at
// its hard storage limit Exim refuses mail to it at RCPT with mailmeter's
// 552 5.2.2 while others still receive; the refusal is metered too.
func TestExim(t *testing.T) {
	bin := eximBinary(t)
	ctx := testContext(t, 4*time.Minute)
	p := startPolicyStack(t, ctx)
	ex := startExim(t, bin, p.addr)
	start := time.Now()

	accepted, files := 0, 0
	for _, m := range []struct {
		body int
		to   []string
	}{
		{1000, []string{"alice@a.test"}}, {6000, []string{"alice@a.test"}}, {2000, []string{"bob@a.test"}},
		{500, []string{"carol@b.test"}}, {3000, []string{"alice@a.test", "bob@a.test", "carol@b.test"}},
		{800, []string{"alice@a.test", "ghost@b.test"}},
	} {
		out, code := swaksExim(t, ex, m.body, m.to...)
		if code != 0 && code != 24 || !strings.Contains(out, "<-  250 OK id=") {
			t.Fatalf("to %v: swaks exit %d\n%s", m.to, code, out)
		}
		accepted++
		for _, to := range m.to {
			if to != "ghost@b.test" {
				files++
			}
		}
	}
	if out, code := swaksExim(t, ex, 100, "ghost@b.test"); code != 24 || !strings.Contains(out, "<** 550") {
		t.Errorf("to an unknown user: swaks exit %d, want 24 and a 550\n%s", code, out)
	}
	waitEximDone(t, ex, accepted, files)

	// alice is put at her hard limit: the next message to her is refused at
	// RCPT with mailmeter's answer, bob still receives.
	rep := p.scanInto(t, ctx, ex.vmail)
	alice, ok := rep.Mailbox("alice@a.test")
	if !ok || alice.Bytes < 10000 {
		t.Fatalf("alice's scanned storage = %+v", alice)
	}
	qs := quota.NewService(p.store, p.view, p.store, time.Now)
	if _, err := qs.SetLimits(ctx, quota.LimitsInput{Mailbox: "alice@a.test", StorageHard: alice.Bytes - 1}); err != nil {
		t.Fatal(err)
	}
	out, code := swaksExim(t, ex, 100, "alice@a.test")
	if code != 24 || !strings.Contains(out, "<** 552 5.2.2 Mailbox is full\n") {
		t.Errorf("to alice over quota: swaks exit %d, want 24 and mailmeter's 552 5.2.2 Mailbox is full\n%s", code, out)
	}
	if out, code := swaksExim(t, ex, 700, "bob@a.test"); code != 0 {
		t.Errorf("to bob under quota: swaks exit %d\n%s", code, out)
	}
	waitEximDone(t, ex, accepted+1, files+1)

	// At DATA: alice, authenticated, may send 3000 bytes a day; a message
	// of about 5000 is refused once its real size is known (no SIZE= at
	// MAIL FROM, so RCPT let it through), with mailmeter's 452 4.7.1.
	if _, err := qs.SetLimits(ctx, quota.LimitsInput{Mailbox: "alice@a.test", StorageHard: alice.Bytes - 1, OutBytesPerDay: 3000}); err != nil {
		t.Fatal(err)
	}
	out, code = swaksExim(t, ex, 5000, "--auth", "PLAIN", "--auth-user", "alice@a.test", "--auth-password", "secret", "bob@a.test")
	if code != 26 || !strings.Contains(out, "<** 452-4.7.1 Daily sending limit") { // 26: refused after the message
		t.Errorf("alice sending 5000 bytes with 3000 a day: swaks exit %d, want 26 and mailmeter's 452 4.7.1 at DATA\n%s", code, out)
	}
	if out, code := swaksExim(t, ex, 1000, "--auth", "PLAIN", "--auth-user", "alice@a.test", "--auth-password", "secret", "bob@a.test"); code != 0 {
		t.Errorf("alice sending 1000 bytes with 3000 a day: swaks exit %d\n%s", code, out)
	}
	waitEximDone(t, ex, accepted+2, files+2)

	// Metering the mainlog gives what the Maildirs hold, the refusal at
	// RCPT, and alice's one message sent.
	want := maildirUsage(t, ex.vmail)
	want.add("alice@a.test", metering.RejectedIn, 1)
	want.add("alice@a.test", metering.OutMessages, 1)
	want.add("alice@a.test", metering.OutRecipients, 1)
	opts := collect.BackfillOptions{Host: "e2e", Format: collect.FormatExim,
		Proc: collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"}}
	res, err := collect.Backfill(ctx, []string{ex.mainlog}, opts, p.store, nil, testLogger(t))
	if err != nil || len(res) != 1 {
		t.Fatalf("backfill of the Exim mainlog: %v %+v", err, res)
	}
	rows, err := p.store.Totals(ctx, metering.UsageQuery{From: metering.Hour(start).Add(-time.Hour),
		To: metering.Hour(time.Now()).Add(2 * time.Hour), Scope: metering.Hosted})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, storedTotals(rows)); diff != "" {
		t.Errorf("metered Exim usage (-Maildirs and refusals +metered):\n%s\nmainlog:\n%s", diff, readTail(ex.mainlog))
	}
}
