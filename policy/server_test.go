package policy_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mailmeter/mailmeter/policy"
)

// startServer runs a policy server on a loopback TCP port over a real
// quota view; the returned stop ends it and reports Serve's error.
func startServer(t testing.TB, w *world) (addr string, reg *prometheus.Registry, stop func() error) {
	t.Helper()
	reg = prometheus.NewRegistry()
	srv, err := policy.NewServer(policy.NewDecider(w.view, policy.Options{Delimiter: "+"}, w.clock.now), slog.New(slog.DiscardHandler), reg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	var stopped bool
	var serveErr error
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			select {
			case serveErr = <-done:
			case <-time.After(5 * time.Second):
				t.Error("Serve did not return within 5 s of shutdown")
			}
		}
		return serveErr
	}
	t.Cleanup(func() { stop() })
	return ln.Addr().String(), reg, stop
}

// ask writes one request and reads the reply's action.
func ask(t testing.TB, conn net.Conn, r *bufio.Reader, request string) string {
	t.Helper()
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("reading reply: %v", err)
	}
	blank, err := r.ReadString('\n')
	if err != nil || blank != "\n" {
		t.Fatalf("reply not ended by an empty line: %q, %v", blank, err)
	}
	action, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "action=")
	if !ok {
		t.Fatalf("reply %q is not action=...", line)
	}
	return action
}

func rcptLines(recipient string) string {
	return "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\nclient_address=192.0.2.7\nsender=x@remote.example\nrecipient=" + recipient + "\nsize=0\n\n"
}

func TestServerOverTCP(t *testing.T) {
	w := newWorld(t)
	addr, reg, stop := startServer(t, w)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)

	// Several requests on one connection, as Postfix sends them.
	if a := ask(t, conn, r, rcptLines("alice@acme.example")); a != "552 5.2.2 Mailbox is full" {
		t.Errorf("full mailbox: %q", a)
	}
	if a := ask(t, conn, r, rcptLines("erin@acme.example")); a != "DUNNO" {
		t.Errorf("mailbox with room: %q", a)
	}
	if a := ask(t, conn, r, strings.ReplaceAll(rcptLines("alice@acme.example"), "\n", "\r\n")); !strings.HasPrefix(a, "552 ") {
		t.Errorf("CRLF request: %q", a)
	}
	// A malformed request is answered DUNNO and the connection goes on.
	if a := ask(t, conn, r, "request=smtpd_access_policy\nthis is not an attribute\nrecipient=alice@acme.example\n\n"); a != "DUNNO" {
		t.Errorf("malformed: %q", a)
	}
	if a := ask(t, conn, r, rcptLines("bob@acme.example")); a != "552 5.2.2 Mailbox is full" {
		t.Errorf("after a malformed request: %q", a)
	}

	// A second connection at the same time.
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if a := ask(t, c2, bufio.NewReader(c2), rcptLines("frank@acme.example")); a != "DUNNO" {
		t.Errorf("second connection: %q", a)
	}
	c2.Close()

	// An over-long line ends the connection (the stream cannot be trusted).
	c3, _ := net.Dial("tcp", addr)
	io.WriteString(c3, "recipient="+strings.Repeat("a", policy.MaxLineBytes+10)+"\n\n")
	c3.SetReadDeadline(time.Now().Add(5 * time.Second))
	// Closed with the rest unread: EOF, or a reset.
	if b, err := io.ReadAll(c3); len(b) != 0 || (err != nil && !errors.Is(err, syscall.ECONNRESET)) {
		t.Errorf("over-long line: read %q, %v; want the connection closed", b, err)
	}
	c3.Close()

	if got := counter(t, reg, "mailmeter_policy_decisions_total", "reject", "storage"); got != 2 {
		t.Errorf("reject/storage decisions = %v, want 2", got)
	}
	for reason, want := range map[string]float64{"malformed": 1, "too_long": 1} {
		if got := counter(t, reg, "mailmeter_policy_protocol_errors_total", reason); got != want {
			t.Errorf("protocol errors %s = %v, want %v", reason, got, want)
		}
	}

	// Shutdown closes the idle connection and Serve returns nil.
	if err := stop(); err != nil {
		t.Errorf("Serve after shutdown: %v", err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.ReadByte(); err != io.EOF {
		t.Errorf("connection after shutdown: %v, want EOF", err)
	}
}

// counter reads a counter of reg by name and label values (in order).
func counter(t testing.TB, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for i, l := range m.GetLabel() {
				if l.GetValue() != labels[i] {
					continue metrics
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}
