package webhook_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
	"github.com/mailmeter/mailmeter/webhook"
)

// OutboxStats counts pending and given-up events and finds the oldest
// pending one, on both databases.
func TestOutboxStats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		start := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
		clk := &clock{t: start}
		st, err := s.OutboxStats(ctx, clk.now(), start.Add(-24*time.Hour))
		if err != nil || st != (webhook.Stats{}) {
			t.Fatalf("empty outbox: %+v, %v", st, err)
		}
		fail := true
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if fail {
				http.Error(w, "down", http.StatusBadGateway)
			}
		}))
		defer srv.Close()
		snd := webhook.NewSender(srv.URL, nil, s, slog.New(slog.DiscardHandler), clk.now)
		snd.MaxAttempts = 2
		queue(t, s, "a", 2, start)                     // both given up below
		queue(t, s, "b", 1, start.Add(90*time.Minute)) // pending, failed once
		snd.DeliverDue(ctx)                            // a0, a1: attempt 1
		clk.add(time.Hour)
		snd.DeliverDue(ctx) // a0, a1: attempt 2: given up
		clk.add(30 * time.Minute)
		snd.DeliverDue(ctx) // b0: attempt 1
		queue(t, s, "c", 1, clk.now())
		fail = false
		snd.DeliverDue(ctx) // c0 delivered; b0 waits for its backoff
		st, err = s.OutboxStats(ctx, clk.now(), start.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want := webhook.Stats{Pending: 1, OldestPending: start.Add(90 * time.Minute), GivenUp: 2}
		if st != want {
			t.Errorf("stats %+v, want %+v", st, want)
		}
		if st, _ := s.OutboxStats(ctx, clk.now(), start.Add(time.Minute)); st.GivenUp != 0 {
			t.Errorf("given up counted outside the window: %+v", st)
		}
	})
}
