package probe_test

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/probe"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// serve answers every connection on a loopback port with script: lines
// to write at once, then for each line read the lines to answer.
func serve(t *testing.T, greeting string, answers map[string]string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.Write([]byte(greeting))
				r := bufio.NewReader(c)
				for {
					l, err := r.ReadString('\n')
					if err != nil {
						return
					}
					verb := strings.Fields(strings.TrimSpace(l))
					if len(verb) == 0 {
						continue
					}
					key := verb[0]
					if len(verb) > 1 && key == "p1" {
						key = verb[1]
					}
					c.Write([]byte(answers[key]))
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func TestCheck(t *testing.T) {
	smtpOK := serve(t, "220 mx.test ESMTP\r\n", map[string]string{"EHLO": "250-mx.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n", "QUIT": "221 bye\r\n"})
	smtpBusy := serve(t, "554 5.3.2 no service\r\n", nil)
	smtpNoEHLO := serve(t, "220 mx.test\r\n", map[string]string{"EHLO": "502 not implemented\r\n"})
	imapOK := serve(t, "* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n", map[string]string{"LOGOUT": "* BYE Logging out\r\np1 OK Logout completed.\r\n"})
	imapBad := serve(t, "* BYE too many connections\r\n", nil)
	popOK := serve(t, "+OK Dovecot ready.\r\n", map[string]string{"QUIT": "+OK Logging out.\r\n"})
	popBad := serve(t, "-ERR go away\r\n", nil)
	silent := serve(t, "", nil)
	flood := serve(t, strings.Repeat("2", 5000), nil)
	closed := func() string {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		a := ln.Addr().String()
		ln.Close()
		return a
	}()
	tlsSrv := httptest.NewTLSServer(nil) // a self-signed certificate
	defer tlsSrv.Close()

	for _, tt := range []struct {
		name   string
		target probe.Target
		errHas string // "" = up
	}{
		{"smtp up", probe.Target{Kind: probe.SMTP, Address: smtpOK}, ""},
		{"smtp refusing service", probe.Target{Kind: probe.SMTP, Address: smtpBusy}, "554"},
		{"smtp without EHLO", probe.Target{Kind: probe.SMTP, Address: smtpNoEHLO}, "EHLO"},
		{"imap up", probe.Target{Kind: probe.IMAP, Address: imapOK}, ""},
		{"imap BYE", probe.Target{Kind: probe.IMAP, Address: imapBad}, "want * OK"},
		{"pop3 up", probe.Target{Kind: probe.POP3, Address: popOK}, ""},
		{"pop3 -ERR", probe.Target{Kind: probe.POP3, Address: popBad}, "want +OK"},
		{"tcp up", probe.Target{Kind: probe.TCP, Address: silent}, ""},
		{"nothing listening", probe.Target{Kind: probe.TCP, Address: closed}, "refused"},
		{"silent server times out", probe.Target{Kind: probe.SMTP, Address: silent, Timeout: 300 * time.Millisecond}, "timeout"},
		{"endless line", probe.Target{Kind: probe.SMTP, Address: flood}, "over 4096 bytes"},
		{"untrusted certificate", probe.Target{Kind: probe.TCP, Address: tlsSrv.Listener.Addr().String(), TLS: true}, "certificate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := probe.Check(context.Background(), tt.target)
			switch {
			case tt.errHas == "" && err != nil:
				t.Errorf("Check = %v, want up", err)
			case tt.errHas != "" && (err == nil || !strings.Contains(err.Error(), tt.errHas)):
				t.Errorf("Check = %v, want an error with %q", err, tt.errHas)
			}
		})
	}
}

func TestTargetValidate(t *testing.T) {
	for _, tt := range []struct {
		t  probe.Target
		ok bool
	}{
		{probe.Target{Name: "a", Kind: probe.SMTP, Address: "mx:25"}, true},
		{probe.Target{Kind: probe.SMTP, Address: "mx:25"}, false},
		{probe.Target{Name: "a", Kind: "http", Address: "mx:25"}, false},
		{probe.Target{Name: "a", Kind: probe.TCP, Address: "mx"}, false},
	} {
		if err := tt.t.Validate(); (err == nil) != tt.ok {
			t.Errorf("Validate(%+v) = %v", tt.t, err)
		}
	}
}

// failing is a store that refuses commits until told otherwise.
type failing struct {
	mu   sync.Mutex
	down bool
	next probe.Committer
}

func (f *failing) Commit(ctx context.Context, b metering.Batch) error {
	f.mu.Lock()
	down := f.down
	f.mu.Unlock()
	if down {
		return metering.Errorf(metering.Unavailable, "database down")
	}
	return f.next.Commit(ctx, b)
}

// Rounds record attempts and successes per probe and hour in the store;
// results of rounds whose commit failed are stored with the next one.
func TestRunnerRecordsAvailability(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		up := serve(t, "220 ok\r\n", map[string]string{"EHLO": "250 ok\r\n"})
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		down := ln.Addr().String()
		ln.Close()
		f := &failing{next: s}
		r := probe.NewRunner([]probe.Target{
			{Name: "smtp-up", Kind: probe.SMTP, Address: up},
			{Name: "smtp-down", Kind: probe.SMTP, Address: down},
		}, f, slog.New(slog.DiscardHandler), time.Now)
		ctx := context.Background()
		for range 3 {
			if err := r.Round(ctx); err != nil {
				t.Fatal(err)
			}
		}
		f.mu.Lock()
		f.down = true
		f.mu.Unlock()
		if err := r.Round(ctx); err == nil {
			t.Fatal("round with the store down reported success")
		}
		f.mu.Lock()
		f.down = false
		f.mu.Unlock()
		if err := r.Round(ctx); err != nil {
			t.Fatal(err)
		}
		from := metering.Hour(time.Now()).Add(-time.Hour)
		av, err := s.Availability(ctx, from, from.Add(3*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(av) != 2 || av[0].Probe != "smtp-down" || av[0].Attempts != 5 || av[0].Successes != 0 ||
			av[1].Probe != "smtp-up" || av[1].Attempts != 5 || av[1].Successes != 5 || av[1].Share() != 1 {
			t.Errorf("availability = %+v", av)
		}
		last := r.Last()
		if !last["smtp-up"].Up || last["smtp-down"].Up || last["smtp-down"].Err == "" {
			t.Errorf("last results = %+v", last)
		}
	})
}

// Every check is stored with its time, once, including those of a round
// whose commit failed.
func TestRunnerStoresEveryCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		up := serve(t, "220 ok\r\n", map[string]string{"EHLO": "250 ok\r\n"})
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		down := ln.Addr().String()
		ln.Close()
		var mu sync.Mutex
		now := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
		clock := func() time.Time { // a second per reading
			mu.Lock()
			defer mu.Unlock()
			now = now.Add(time.Second)
			return now
		}
		f := &failing{next: s}
		r := probe.NewRunner([]probe.Target{{Name: "up", Kind: probe.SMTP, Address: up}, {Name: "down", Kind: probe.SMTP, Address: down}},
			f, slog.New(slog.DiscardHandler), clock)
		ctx := context.Background()
		for i := range 4 {
			f.mu.Lock()
			f.down = i == 1
			f.mu.Unlock()
			if err := r.Round(ctx); (err != nil) != (i == 1) {
				t.Fatalf("round %d: %v", i, err)
			}
		}
		from := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
		cs, err := s.Checks(ctx, []string{"up", "down"}, from, from.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, c := range cs {
			if c.Up != (c.Target == "up") {
				t.Errorf("check %+v", c)
			}
			n[c.Target]++
		}
		if n["up"] != 4 || n["down"] != 4 {
			t.Errorf("stored checks per probe %v, want 4 each: %+v", n, cs)
		}
	})
}
