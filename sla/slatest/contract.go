package slatest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/sla"
)

// Contract checks an sla.Store: add stores checks the way the store
// receives them (Memory.AddChecks, or a committed metering.Batch).
func Contract(t *testing.T, s sla.Store, add func(cs ...sla.Check)) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	t.Run("checks", func(t *testing.T) {
		if _, ok, err := s.FirstCheck(ctx, []string{"mx1"}); ok || err != nil {
			t.Errorf("first check of an empty store: %v, %v", ok, err)
		}
		add(sla.Check{Target: "mx1", At: at(60), Up: false}, sla.Check{Target: "mx1", At: at(0), Up: true}, sla.Check{Target: "mx2", At: at(30), Up: true}, sla.Check{Target: "other", At: at(-60), Up: true})
		add(sla.Check{Target: "mx1", At: at(120).Add(250 * time.Millisecond), Up: true})
		got, err := s.Checks(ctx, []string{"mx1", "mx2"}, at(0), at(120).Add(251*time.Millisecond))
		want := []sla.Check{{Target: "mx1", At: at(0), Up: true}, {Target: "mx2", At: at(30), Up: true}, {Target: "mx1", At: at(60), Up: false}, {Target: "mx1", At: at(120).Add(250 * time.Millisecond), Up: true}}
		if diff := cmp.Diff(want, got); err != nil || diff != "" {
			t.Errorf("checks (-want +got):\n%s %v", diff, err)
		}
		if got, _ := s.Checks(ctx, []string{"mx1"}, at(1), at(120)); len(got) != 1 || !got[0].At.Equal(at(60)) {
			t.Errorf("checks in [1 s, 120 s): %+v", got)
		}
		if first, ok, err := s.FirstCheck(ctx, []string{"mx1", "mx2"}); !ok || err != nil || !first.Equal(at(0)) {
			t.Errorf("first check: %v %v %v", first, ok, err)
		}
		if n, err := s.PruneChecks(ctx, at(30)); n != 2 || err != nil {
			t.Errorf("pruned %d, %v; want the two before 30 s", n, err)
		}
		if got, _ := s.Checks(ctx, []string{"mx1", "mx2", "other"}, at(-3600), at(3600)); len(got) != 3 {
			t.Errorf("after pruning: %+v", got)
		}
	})
	t.Run("settled", func(t *testing.T) {
		if st, err := s.Settled(ctx, "smtp"); err != nil || !st.Until.IsZero() {
			t.Errorf("never settled: %+v, %v", st, err)
		}
		first := sla.Settled{Since: t0, Until: t0}
		if err := s.Settle(ctx, "smtp", sla.Settled{}, first, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Settle(ctx, "smtp", sla.Settled{}, first, nil); metering.KindOf(err) != metering.Conflict {
			t.Errorf("settling a new service twice: %v, want Conflict", err)
		}
		next := sla.Settled{Since: t0, Until: t0.Add(time.Hour)}
		ivs := []sla.StateInterval{
			{Interval: sla.Interval{Start: t0.Add(5 * time.Minute), End: t0.Add(9 * time.Minute)}, State: sla.Down},
			{Interval: sla.Interval{Start: t0.Add(30 * time.Minute), End: t0.Add(40 * time.Minute)}, State: sla.Unknown},
		}
		if err := s.Settle(ctx, "smtp", first, next, ivs); err != nil {
			t.Fatal(err)
		}
		// A second settler that read the old range: refused, nothing stored.
		stale := []sla.StateInterval{{Interval: sla.Interval{Start: t0.Add(50 * time.Minute), End: t0.Add(51 * time.Minute)}, State: sla.Down}}
		if err := s.Settle(ctx, "smtp", first, next, stale); metering.KindOf(err) != metering.Conflict {
			t.Errorf("stale settle: %v, want Conflict", err)
		}
		if st, err := s.Settled(ctx, "smtp"); err != nil || st != next {
			t.Errorf("settled %+v, %v; want %+v", st, err, next)
		}
		got, err := s.SettledIntervals(ctx, "smtp", t0.Add(8*time.Minute), t0.Add(2*time.Hour))
		if diff := cmp.Diff(ivs, got); err != nil || diff != "" {
			t.Errorf("intervals (-want +got):\n%s %v", diff, err)
		}
		if got, _ := s.SettledIntervals(ctx, "smtp", t0.Add(9*time.Minute), t0.Add(30*time.Minute)); len(got) != 0 {
			t.Errorf("intervals touching [9m, 30m) only at its ends: %+v", got)
		}
		if got, _ := s.SettledIntervals(ctx, "imap", t0, t0.Add(time.Hour)); len(got) != 0 {
			t.Errorf("another service's intervals: %+v", got)
		}
	})
	t.Run("incidents and maintenance", func(t *testing.T) {
		created := t0.Add(48 * time.Hour)
		a, err := s.AddIncident(ctx, sla.Incident{Service: "smtp", Start: t0, End: t0.Add(time.Hour), Reason: "Pingdom", CreatedAt: created})
		if err != nil || a.ID == 0 {
			t.Fatalf("add incident: %+v, %v", a, err)
		}
		b, _ := s.AddIncident(ctx, sla.Incident{Service: "imap", Start: t0.Add(-time.Hour), End: t0.Add(time.Minute), CreatedAt: created})
		if got, err := s.Incidents(ctx, sla.WindowQuery{}); err != nil || len(got) != 2 || got[0] != b || got[1] != a {
			t.Errorf("all incidents: %+v, %v; want %+v, %+v", got, err, b, a)
		}
		if got, _ := s.Incidents(ctx, sla.WindowQuery{Service: "smtp"}); len(got) != 1 || got[0] != a {
			t.Errorf("smtp's: %+v", got)
		}
		if got, _ := s.Incidents(ctx, sla.WindowQuery{From: t0.Add(time.Minute), To: t0.Add(2 * time.Hour)}); len(got) != 1 || got[0].ID != a.ID {
			t.Errorf("overlapping [t0+1m, t0+2h): %+v (imap's ends at its start)", got)
		}
		if err := s.DeleteIncident(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteIncident(ctx, a.ID); metering.KindOf(err) != metering.NotFound {
			t.Errorf("deleting twice: %v, want NotFound", err)
		}
		m, err := s.AddMaintenance(ctx, sla.Maintenance{Service: "smtp", Start: t0, End: t0.Add(2 * time.Hour), Announced: t0.Add(-120 * time.Hour),
			Reason: "kernel", CreatedAt: created})
		if err != nil || m.ID == 0 || !m.Announced.Equal(t0.Add(-120*time.Hour)) {
			t.Fatalf("add window: %+v, %v", m, err)
		}
		if got, _ := s.Maintenance(ctx, sla.WindowQuery{Service: "smtp", From: t0.Add(time.Hour), To: t0.Add(3 * time.Hour)}); len(got) != 1 || got[0] != m {
			t.Errorf("windows: %+v, want %+v", got, m)
		}
		if got, _ := s.Maintenance(ctx, sla.WindowQuery{To: t0}); len(got) != 0 {
			t.Errorf("windows before t0: %+v", got)
		}
		if err := s.DeleteMaintenance(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteMaintenance(ctx, m.ID); metering.KindOf(err) != metering.NotFound {
			t.Errorf("deleting twice: %v, want NotFound", err)
		}
	})
}
