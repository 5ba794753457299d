package probe_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering/probe"
)

const probeAddr = "probe@example.com"

// maildirDeliverer writes accepted messages into a Maildir's new/, as a
// delivery agent does; held messages are not delivered.
type maildirDeliverer struct {
	root string
	n    atomic.Int64
	hold atomic.Bool
}

func (m *maildirDeliverer) deliver(from, to, msg string) {
	if m.hold.Load() {
		return
	}
	name := fmt.Sprintf("%d.M%dP1.test", time.Now().Unix(), m.n.Add(1))
	tmp := filepath.Join(m.root, "tmp", name)
	os.WriteFile(tmp, []byte("Return-Path: <"+from+">\r\nDelivered-To: "+to+"\r\n"+msg), 0o600)
	os.Rename(tmp, filepath.Join(m.root, "new", name))
}

func newMaildir(t *testing.T) string {
	root := filepath.Join(t.TempDir(), "Maildir")
	for _, d := range []string{"tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// A round trip through submission (STARTTLS, AUTH) into a Maildir: the
// message arrives, its time is measured, and it is deleted with the probe
// messages of earlier checks; other mail stays. Held back, the check fails
// at its timeout.
func TestRoundTripMaildir(t *testing.T) {
	p := newPKI(t)
	md := &maildirDeliverer{root: newMaildir(t)}
	smtp := (&mailServer{kind: probe.SMTP, cert: &p.good, user: probeAddr, pass: "pw", deliver: md.deliver}).start(t)
	// Mail already there: a customer's message, a late probe message of
	// an earlier check, and one of another probe sharing the mailbox.
	other := filepath.Join(md.root, "cur", "1.M1.other:2,S")
	late := filepath.Join(md.root, "new", "1.M2.late")
	otherProbe := filepath.Join(md.root, "new", "1.M3.otherprobe")
	writeFile(t, other, "Subject: hello\r\n\r\nX-Mailmeter-Probe: probe=delivery token=in-the-body\r\n")
	writeFile(t, late, "Subject: late\r\n"+probe.TagHeader+": probe=delivery token=0123\r\n\r\nlate\r\n")
	writeFile(t, otherProbe, "x-mailmeter-probe: probe=delivery-eu token=0456\r\n\r\n")

	target := probe.Target{Name: "delivery", Kind: probe.RoundTrip, Address: smtp, StartTLS: true,
		Verify: probe.Verify{RootCAs: p.pool}, Login: probe.Login{Username: probeAddr, Password: "pw"},
		RoundTrip: probe.RoundTripCheck{From: probeAddr, To: probeAddr, Maildir: md.root, Poll: 10 * time.Millisecond}}
	if err := target.Validate(); err != nil {
		t.Fatal(err)
	}
	d, err := probe.CheckDetail(context.Background(), target)
	if err != nil {
		t.Fatalf("round trip: %v", err)
	}
	if d.RoundTrip <= 0 || d.RoundTrip > 5*time.Second {
		t.Errorf("round trip took %v", d.RoundTrip)
	}
	if d.CertNotAfter.IsZero() {
		t.Error("the submission certificate's expiry is not reported")
	}
	t.Logf("round trip through a local SMTP server into a Maildir: %v", d.RoundTrip)
	left := files(t, md.root)
	if len(left) != 2 || !contains(left, other) || !contains(left, otherProbe) {
		t.Errorf("files left in the Maildir: %v, want the customer's message and the other probe's", left)
	}

	md.hold.Store(true)
	target.Timeout = 300 * time.Millisecond
	_, err = probe.CheckDetail(context.Background(), target)
	if err == nil || !strings.Contains(err.Error(), "has not arrived") {
		t.Errorf("round trip of a message never delivered: %v, want a failure", err)
	}
}

// The same over IMAP: the probe logs in, finds its message by its tag,
// deletes it (and earlier ones of this probe only) and logs out.
func TestRoundTripIMAP(t *testing.T) {
	p := newPKI(t)
	box := newMemBox()
	box.add("Subject: a customer's\r\n\r\nhi\r\n")
	box.add(probe.TagHeader + ": probe=delivery token=old\r\n\r\n")
	box.add(probe.TagHeader + ": probe=delivery2 token=other\r\n\r\n")
	var hold atomic.Bool
	smtp := (&mailServer{kind: probe.SMTP, deliver: func(_, _, msg string) {
		if !hold.Load() {
			box.add(msg)
		}
	}}).start(t)
	imap := (&mailServer{kind: probe.IMAP, cert: &p.good, implicit: true, user: probeAddr, pass: "pw", box: box}).start(t)
	target := probe.Target{Name: "delivery", Kind: probe.RoundTrip, Address: smtp,
		RoundTrip: probe.RoundTripCheck{From: "mailmeter@example.com", To: probeAddr, Poll: 10 * time.Millisecond,
			IMAP: &probe.Target{Kind: probe.IMAP, Address: imap, TLS: true, Verify: probe.Verify{RootCAs: p.pool},
				Login: probe.Login{Username: probeAddr, Password: "pw"}}}}
	if err := target.Validate(); err != nil {
		t.Fatal(err)
	}
	d, err := probe.CheckDetail(context.Background(), target)
	if err != nil {
		t.Fatalf("round trip: %v", err)
	}
	if d.RoundTrip <= 0 {
		t.Errorf("round trip %v", d.RoundTrip)
	}
	left := box.messages()
	if len(left) != 2 || !strings.Contains(left[0], "a customer's") || !strings.Contains(left[1], "probe=delivery2") {
		t.Errorf("messages left: %q", left)
	}

	hold.Store(true)
	target.Timeout = 300 * time.Millisecond
	if _, err := probe.CheckDetail(context.Background(), target); err == nil || !strings.Contains(err.Error(), "has not arrived") {
		t.Errorf("round trip of a message never delivered: %v", err)
	}
	target.Timeout = 0
	target.RoundTrip.IMAP.Login.Password = "wrong"
	if _, err := probe.CheckDetail(context.Background(), target); err == nil || !strings.Contains(err.Error(), "probe mailbox: login refused") {
		t.Errorf("round trip with the mailbox's login refused: %v", err)
	}
}

// A message the SMTP server refuses fails the round trip at once.
func TestRoundTripRefused(t *testing.T) {
	smtp := serve(t, "220 mx ESMTP\r\n", map[string]string{"EHLO": "250 mx\r\n", "MAIL": "250 ok\r\n", "RCPT": "550 5.1.1 no such user\r\n"})
	start := time.Now()
	_, err := probe.CheckDetail(context.Background(), probe.Target{Name: "delivery", Kind: probe.RoundTrip, Address: smtp,
		RoundTrip: probe.RoundTripCheck{From: probeAddr, To: probeAddr, Maildir: newMaildir(t)}})
	if err == nil || !strings.Contains(err.Error(), `sending the probe message: RCPT TO: answered "550 5.1.1 no such user"`) {
		t.Errorf("round trip refused at RCPT: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("a refused round trip took %v", time.Since(start))
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// files lists the messages of a Maildir.
func files(t *testing.T, root string) []string {
	var out []string
	for _, sub := range []string{"new", "cur"} {
		es, err := os.ReadDir(filepath.Join(root, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			out = append(out, filepath.Join(root, sub, e.Name()))
		}
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
