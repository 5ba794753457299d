package policy_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mailmeter/mailmeter/policy"
)

// serve runs srv on a loopback port until the test ends.
func serve(t *testing.T, srv *policy.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// client is one policy connection, as an smtpd process keeps it.
type client struct {
	net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{c, bufio.NewReader(c)}
}

// timedAsk sends a request on a new connection and returns the action and
// how long the answer took from the dial on.
func timedAsk(t *testing.T, addr, recipient string) (string, time.Duration) {
	t.Helper()
	start := time.Now()
	c := dial(t, addr)
	action := ask(t, c, c.r, rcptLines(recipient))
	return action, time.Since(start)
}

// Postfix keeps a connection per smtpd process for up to 300 s: 600 idle
// ones (some after a request, some before any) must not keep a new
// client waiting.
func TestNewClientAnsweredAmong600IdleConnections(t *testing.T) {
	w := newWorld(t)
	srv, err := policy.NewServer(policy.NewDecider(w.view, policy.Options{Delimiter: "+"}, w.clock.now), slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	if srv.MaxConns < 10_000 {
		t.Logf("file-descriptor limit allows only %d connections", srv.MaxConns)
	}
	addr := serve(t, srv)
	idle := make([]*client, 600)
	for i := range idle {
		idle[i] = dial(t, addr)
		if i%2 == 0 {
			if a := ask(t, idle[i], idle[i].r, rcptLines("erin@acme.example")); a != "DUNNO" {
				t.Fatalf("connection %d: %q", i, a)
			}
		}
	}
	action, took := timedAsk(t, addr, "alice@acme.example")
	if action != "552 5.2.2 Mailbox is full" {
		t.Errorf("new client: %q", action)
	}
	if took > 100*time.Millisecond {
		t.Errorf("new client answered after %v with 600 idle connections open, want within 100 ms", took)
	}
	// The idle ones still work.
	for _, i := range []int{0, 1, 299, 599} {
		if a := ask(t, idle[i], idle[i].r, rcptLines("alice@acme.example")); a != "552 5.2.2 Mailbox is full" {
			t.Errorf("idle connection %d afterwards: %q", i, a)
		}
	}
}

// At MaxConns a new client is answered at once and the connection idle the
// longest is closed (its smtpd reconnects on its next request).
func TestFullServerClosesTheLongestIdleConnection(t *testing.T) {
	w := newWorld(t)
	reg := prometheus.NewRegistry()
	srv, err := policy.NewServer(policy.NewDecider(w.view, policy.Options{Delimiter: "+"}, w.clock.now), slog.New(slog.DiscardHandler), reg)
	if err != nil {
		t.Fatal(err)
	}
	srv.MaxConns = 50
	addr := serve(t, srv)
	idle := make([]*client, 50)
	for i := range idle {
		idle[i] = dial(t, addr)
		if a := ask(t, idle[i], idle[i].r, rcptLines("erin@acme.example")); a != "DUNNO" {
			t.Fatalf("connection %d: %q", i, a)
		}
	}
	// Connection 0 was active last of all but 1..49 are older now.
	if a := ask(t, idle[0], idle[0].r, rcptLines("erin@acme.example")); a != "DUNNO" {
		t.Fatal(a)
	}
	for n := 1; n <= 3; n++ {
		action, took := timedAsk(t, addr, "alice@acme.example")
		if action != "552 5.2.2 Mailbox is full" || took > 100*time.Millisecond {
			t.Errorf("client %d over the limit: %q after %v, want the answer within 100 ms", n, action, took)
		}
		// Connection n was idle the longest: closed.
		idle[n].SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := idle[n].r.ReadByte(); err != io.EOF {
			t.Errorf("longest-idle connection %d: read %v, want EOF", n, err)
		}
	}
	if a := ask(t, idle[0], idle[0].r, rcptLines("alice@acme.example")); a != "552 5.2.2 Mailbox is full" {
		t.Errorf("recently active connection: %q", a)
	}
	if got := counter(t, reg, "mailmeter_policy_connections_evicted_total"); got != 3 {
		t.Errorf("evictions = %v, want 3", got)
	}
}
