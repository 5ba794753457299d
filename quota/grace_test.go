package quota_test

import (
	"context"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// Two processes (or one restarted) agree on when a mailbox's grace ends:
// the first to see it over its hard limit records the moment for all.
func TestGraceIsShared(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := &alertClock{t: time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)}
		dir := directory.NewService(s, clk.now)
		dir.AddCustomer(ctx, directory.CustomerInput{ID: "acme", Name: "Acme"})
		dir.AddDomain(ctx, directory.DomainInput{Name: "acme.example", CustomerID: "acme"})
		dir.AddMailbox(ctx, directory.MailboxInput{Address: "alice@acme.example"})
		a := quota.NewView(s, s, clk.now)
		qs := quota.NewService(s, a, s, clk.now)
		if _, err := qs.SetLimits(ctx, quota.LimitsInput{Mailbox: "alice@acme.example", StorageHard: 1000, GraceSeconds: 3600}); err != nil {
			t.Fatal(err)
		}
		storage := func(v int64) metering.Batch {
			b := metering.Batch{Gauges: []metering.GaugeDelta{{Mailbox: "alice@acme.example", Metric: metering.StorageBytes,
				Hour: metering.Hour(clk.now()), Last: v, Max: v, ObservedAt: clk.now()}}}
			if err := s.Commit(ctx, b); err != nil {
				t.Fatal(err)
			}
			return b
		}
		a.Apply(storage(1500)) // over at 09:00
		if err := a.SyncGrace(ctx); err != nil {
			t.Fatal(err)
		}
		graceEnd := time.Date(2026, 11, 10, 10, 0, 0, 0, time.UTC)
		if r, _ := a.Report(ctx, "alice@acme.example"); !r.GraceUntil.Equal(graceEnd) {
			t.Fatalf("A's grace ends %v", r.GraceUntil)
		}
		// Half an hour later another process starts: same end, not 10:30.
		clk.add(30 * time.Minute)
		b := quota.NewView(s, s, clk.now)
		if err := b.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if r, _ := b.Report(ctx, "alice@acme.example"); !r.GraceUntil.Equal(graceEnd) {
			t.Errorf("B's grace ends %v, want %v", r.GraceUntil, graceEnd)
		}
		// B syncing does not move the recorded start.
		if err := b.SyncGrace(ctx); err != nil {
			t.Fatal(err)
		}
		if over, _ := s.OverSince(ctx); !over["alice@acme.example"].Equal(graceEnd.Add(-time.Hour)) {
			t.Errorf("recorded start %v", over)
		}
		// Below the limit: cleared for everyone; over again: a new grace.
		clk.add(time.Hour)
		a.Apply(storage(500))
		if err := a.SyncGrace(ctx); err != nil {
			t.Fatal(err)
		}
		if over, _ := s.OverSince(ctx); len(over) != 0 {
			t.Errorf("after going below: %v", over)
		}
		clk.add(time.Hour)
		a.Apply(storage(2000))
		a.SyncGrace(ctx)
		b.Refresh(ctx)
		want := clk.now().Add(time.Hour)
		if r, _ := b.Report(ctx, "alice@acme.example"); !r.GraceUntil.Equal(want) {
			t.Errorf("second grace ends %v at B, want %v", r.GraceUntil, want)
		}
	})
}
