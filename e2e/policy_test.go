package e2e

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/maildir"
	"github.com/mailmeter/mailmeter/metering/probe"
	"github.com/mailmeter/mailmeter/policy"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/store"
)

// TestPostfixPolicy puts the policy server behind a real Postfix's
// check_policy_service: mail is delivered to alice, her Maildir is
// scanned into the store, a hard storage limit below what she holds is
// set, and Postfix then refuses her next message at RCPT time with the
// policy's 552 5.2.2 in every spelling that reaches her mailbox (trailing
// dot, upper case, +tag) while bob still receives.
func TestPostfixPolicy(t *testing.T) {
	skipWithoutPostfix(t)
	ctx := testContext(t, 3*time.Minute)
	s, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "m.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
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
	defer func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("policy server: %v", err)
		}
	}()

	in := startPostfix(t, "smtpd_recipient_restrictions=check_policy_service inet:"+ln.Addr().String())
	// The SMTP availability probe passes against the real smtpd.
	if err := probe.Check(ctx, probe.Target{Name: "smtp", Kind: probe.SMTP, Address: in.addr()}); err != nil {
		t.Errorf("SMTP probe of a running Postfix: %v", err)
	}
	tmp := t.TempDir()
	one := func(to string, body int) message {
		return message{to: []string{to}, delivered: []string{metering.MailboxFor(to, "+")}, body: body}
	}
	var msgs []sent
	for i, m := range []message{one("alice@a.test", 3000), one("alice@a.test", 5000), one("bob@a.test", 1000)} {
		msgs = append(msgs, send(t, in, tmp, i, m))
	}
	waitDelivered(t, in, msgs)

	// Meter the Maildirs into the store and the view, as a watcher would.
	layout, err := maildir.ParseLayout(filepath.Join(in.vmail, "%d", "%n"), "")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := (&maildir.Scanner{Layout: layout}).Scan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rec := metering.NewRecorder(s, view.Apply)
	rep.Emit(rec)
	if err := rec.Flush(ctx, nil); err != nil {
		t.Fatal(err)
	}
	alice, ok := rep.Mailbox("alice@a.test")
	if !ok || alice.Bytes < 8000 {
		t.Fatalf("alice's scanned storage = %+v", alice)
	}
	qs := quota.NewService(s, view, s, time.Now)
	if _, err := qs.SetLimits(ctx, quota.LimitsInput{Mailbox: "alice@a.test", StorageHard: alice.Bytes - 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := qs.SetLimits(ctx, quota.LimitsInput{Mailbox: "bob@a.test", StorageHard: 1 << 30}); err != nil {
		t.Fatal(err)
	}

	// Every spelling Postfix delivers to alice's mailbox is refused: the
	// trailing dot (the DNS root), upper case, the +tag, and all three.
	// The text says nothing of how full the mailbox is.
	for _, to := range []string{"alice@a.test", "alice@a.test.", "ALICE@A.TEST", "Alice+news@A.test", "ALICE+x@A.Test."} {
		out, code := swaks(t, in, to)
		if code != 24 || !strings.Contains(out, "<** 552 5.2.2 <"+to+">: Recipient address rejected: Mailbox is full\n") {
			t.Errorf("to %s over quota: swaks exit %d, want 24 and the policy's 552 5.2.2 Mailbox is full\n%s", to, code, out)
		}
	}
	// Postfix delivers those spellings: bob, under quota, gets them.
	for _, to := range []string{"bob@a.test", "Bob+x@A.test."} {
		if out, code := swaks(t, in, to); code != 0 || !strings.Contains(out, "queued as") {
			t.Errorf("to %s under quota: swaks exit %d\n%s", to, code, out)
		}
	}
	if !strings.Contains(readTail(in.maillog), "NOQUEUE: reject: RCPT from") {
		t.Errorf("Postfix did not log the reject:\n%s", readTail(in.maillog))
	}
}

// swaks sends one small message and returns the transcript and exit code.
func swaks(t *testing.T, in *instance, to string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "swaks", "--server", "127.0.0.1", "--port", strconv.Itoa(in.port),
		"--timeout", "30", "--helo", "client.e2e.test", "--from", sender, "--to", to).CombinedOutput()
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
