package quota_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

func TestLevel(t *testing.T) {
	for _, tt := range []struct {
		used, soft, hard int64
		want             int
	}{
		{0, 0, 0, 0}, {5000, 0, 0, 0}, {799, 0, 1000, 0}, {800, 0, 1000, 80}, {899, 0, 1000, 80},
		{900, 0, 1000, 90}, {1000, 0, 1000, 100}, {5000, 0, 1000, 100}, {80, 100, 0, 80}, {7, 0, 9, 0}, {8, 0, 9, 80},
	} {
		if got := quota.Level(quota.Measure(tt.used, tt.soft, tt.hard), quota.DefaultThresholds); got != tt.want {
			t.Errorf("Level(used %d, soft %d, hard %d) = %d, want %d", tt.used, tt.soft, tt.hard, got, tt.want)
		}
	}
}

type alertClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *alertClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *alertClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Each crossing of 80/90/100% is reported once, survives a restart, is
// re-armed when usage falls (daily outbound at midnight), and of two
// processes seeing it one records it; the queued events say what crossed.
func TestAlerterCrossings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := &alertClock{t: time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)}
		dir := directory.NewService(s, clk.now)
		dir.AddCustomer(ctx, directory.CustomerInput{ID: "acme", Name: "Acme"})
		dir.AddDomain(ctx, directory.DomainInput{Name: "acme.example", CustomerID: "acme"})
		for _, m := range []string{"alice@acme.example", "dave@acme.example"} {
			if _, err := dir.AddMailbox(ctx, directory.MailboxInput{Address: m}); err != nil {
				t.Fatal(err)
			}
		}
		view := quota.NewView(s, s, clk.now)
		qs := quota.NewService(s, view, s, clk.now)
		qs.SetLimits(ctx, quota.LimitsInput{Mailbox: "alice@acme.example", StorageHard: 1000})
		qs.SetLimits(ctx, quota.LimitsInput{Mailbox: "dave@acme.example", OutRecipientsPerDay: 10})
		log := slog.New(slog.DiscardHandler)
		a := quota.NewAlerter(view, s, nil, true, log, clk.now)
		storage := func(v int64) {
			h := metering.Hour(clk.now())
			b := metering.Batch{Gauges: []metering.GaugeDelta{{Mailbox: "alice@acme.example", Metric: metering.StorageBytes, Hour: h, Last: v, Max: v, ObservedAt: clk.now()}}}
			if err := s.Commit(ctx, b); err != nil {
				t.Fatal(err)
			}
			view.Apply(b)
			clk.add(time.Minute)
		}
		check := func(a *quota.Alerter, want ...string) {
			t.Helper()
			got, err := a.Check(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range got {
				names = append(names, c.Meter+"@"+itoa(c.Level))
			}
			if len(names) != len(want) || (len(want) > 0 && names[0] != want[0]) {
				t.Errorf("crossings %v, want %v", names, want)
			}
		}
		storage(500)
		check(a)
		storage(850)
		check(a, "storage@80")
		check(a)
		storage(999)
		check(a, "storage@90")
		storage(1500)
		check(a, "storage@100")

		// A restarted process (or a replica) does not report them again.
		check(quota.NewAlerter(view, s, nil, true, log, clk.now))

		// Falling re-arms; crossing again reports again, once across two
		// processes.
		storage(100)
		check(a)
		storage(820)
		b := quota.NewAlerter(view, s, nil, true, log, clk.now)
		check(a, "storage@80")
		check(b)

		// Outbound: 9 of 10 recipients today is 90%; tomorrow it re-arms.
		c := metering.Batch{Counters: []metering.CounterDelta{{Mailbox: "dave@acme.example", Metric: metering.OutRecipients, Hour: metering.Hour(clk.now()), Value: 9}}}
		s.Commit(ctx, c)
		view.Apply(c)
		check(a, "out_recipients@90")
		clk.add(24 * time.Hour)
		check(a)
		c.Counters[0].Hour = metering.Hour(clk.now())
		s.Commit(ctx, c)
		view.Apply(c)
		check(a, "out_recipients@90")

		// The outbox holds one event per reported crossing, oldest first.
		events, err := s.ClaimEvents(ctx, clk.now(), time.Minute, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range events {
			var p struct {
				Type, Mailbox, Meter string
				Threshold            int `json:"threshold_percent"`
				Used, Limit          int64
				Percent              float64
			}
			if err := json.Unmarshal(e.Payload, &p); err != nil || p.Type != quota.EventKind || e.Kind != quota.EventKind {
				t.Fatalf("event %d: %s, %v", e.ID, e.Payload, err)
			}
			got = append(got, p.Meter+"@"+itoa(p.Threshold))
			if p.Meter == "storage" && p.Threshold == 100 && (p.Used != 1500 || p.Limit != 1000 || p.Percent != 150) {
				t.Errorf("100%% event: %s", e.Payload)
			}
		}
		want := []string{"storage@80", "storage@90", "storage@100", "storage@80", "out_recipients@90", "out_recipients@90"}
		if len(got) != len(want) {
			t.Fatalf("events %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("events %v, want %v", got, want)
				break
			}
		}
	})
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
