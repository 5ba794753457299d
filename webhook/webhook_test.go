package webhook_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
	"github.com/mailmeter/mailmeter/webhook"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// queue puts n crossings into the store's outbox.
func queue(t *testing.T, s *store.Store, prefix string, n int, at time.Time) {
	t.Helper()
	for i := range n {
		c := quota.Crossing{AlertKey: quota.AlertKey{Mailbox: fmt.Sprintf("%s%d@x.example", prefix, i), Meter: quota.MeterStorage}, Level: 80, Used: 80, Limit: 100, Percent: 80, At: at}
		p, _ := c.Payload()
		if raised, _, err := s.RaiseAlert(context.Background(), c, p); err != nil || !raised {
			t.Fatalf("RaiseAlert: %v %v", raised, err)
		}
	}
}

type received struct {
	id, ts, sig, kind string
	body              []byte
}

// Events are posted signed; a failing endpoint gets the same event again
// after the backoff, with the same delivery id; delivered events are not
// sent again; an endpoint failing for good makes the sender give up.
func TestSenderRetriesAndSigns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)}
		var mu sync.Mutex
		var got []received
		failures := 2 // the first two posts fail
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			got = append(got, received{r.Header.Get(webhook.HeaderID), r.Header.Get(webhook.HeaderTimestamp),
				r.Header.Get(webhook.HeaderSignature), r.Header.Get(webhook.HeaderEvent), body})
			if failures > 0 {
				failures--
				http.Error(w, "busy", http.StatusServiceUnavailable)
			}
		}))
		defer srv.Close()
		secret := []byte("webhook-secret")
		snd := webhook.NewSender(srv.URL, secret, s, slog.New(slog.DiscardHandler), clk.now)
		queue(t, s, "u", 2, clk.now())

		if d, f, err := snd.DeliverDue(ctx); err != nil || d != 0 || f != 2 {
			t.Fatalf("first round: delivered %d, failed %d, %v", d, f, err)
		}
		if d, f, _ := snd.DeliverDue(ctx); d+f != 0 {
			t.Errorf("retried before the backoff: %d, %d", d, f)
		}
		clk.add(webhook.Backoff(1) + time.Second)
		if d, f, err := snd.DeliverDue(ctx); err != nil || d != 2 || f != 0 {
			t.Fatalf("after the backoff: delivered %d, failed %d, %v", d, f, err)
		}
		clk.add(time.Hour)
		if d, f, _ := snd.DeliverDue(ctx); d+f != 0 {
			t.Errorf("delivered events sent again: %d, %d", d, f)
		}
		if len(got) != 4 || got[0].id != got[2].id || got[1].id != got[3].id || got[0].id == got[1].id {
			t.Fatalf("deliveries %+v", got)
		}
		for _, r := range got {
			if r.sig != webhook.Sign(secret, r.id, r.ts, r.body) || r.kind != quota.EventKind {
				t.Errorf("delivery %s: signature %q, kind %q", r.id, r.sig, r.kind)
			}
			if ts, _ := strconv.ParseInt(r.ts, 10, 64); ts < clk.t.Add(-3*time.Hour).Unix() {
				t.Errorf("timestamp %s", r.ts)
			}
		}

		// An endpoint that never answers 2xx: given up after MaxAttempts.
		failures = 1 << 30
		snd.MaxAttempts = 3
		queue(t, s, "v", 1, clk.now())
		for range 5 {
			snd.DeliverDue(ctx)
			clk.add(2 * time.Hour)
		}
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n != 4+3 {
			t.Errorf("%d posts, want 3 attempts of the failing event after the 4 before", n)
		}
	})
}

// Two senders (two serve replicas) over one outbox deliver every event
// exactly once while the endpoint answers.
func TestSendersShareTheOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		var mu sync.Mutex
		seen := map[string]int{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(2 * time.Millisecond)
			mu.Lock()
			seen[r.Header.Get(webhook.HeaderID)]++
			mu.Unlock()
		}))
		defer srv.Close()
		for i := range 4 {
			for j := range 10 {
				c := quota.Crossing{AlertKey: quota.AlertKey{Mailbox: fmt.Sprintf("s%d-%d@x.example", i, j), Meter: quota.MeterMessages}, Level: 90, Limit: 10, Used: 9, At: now}
				p, _ := c.Payload()
				s.RaiseAlert(ctx, c, p)
			}
		}
		var wg sync.WaitGroup
		for range 2 {
			snd := webhook.NewSender(srv.URL, nil, s, slog.New(slog.DiscardHandler), time.Now)
			wg.Go(func() {
				if _, _, err := snd.DeliverDue(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if len(seen) != 40 {
			t.Errorf("%d distinct events delivered, want 40", len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("event %s delivered %d times", id, n)
			}
		}
	})
}
