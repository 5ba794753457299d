package sla_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/sla"
)

// Settling keeps the intervals of old minutes so the raw checks can go:
// every month's figures are the same after the checks are pruned, and a
// second settle finds nothing to do.
func TestSettleKeepsFiguresPastRetention(t *testing.T) {
	ctx := context.Background()
	ha := sla.MailService{Name: "smtp", Targets: []string{"mx1", "mx2"}, DownWhen: sla.AllDown, Failures: 3}
	w := newWorld(t, utc(2026, 12, 1, 0, 0), func(p *sla.Policy) { p.Retention = 30 * 24 * time.Hour }, ha)
	both := during(
		utc(2026, 8, 31, 23, 58), utc(2026, 9, 1, 0, 7), // across the first settling step's end
		utc(2026, 10, 5, 3, 0), utc(2026, 10, 5, 3, 2), // two failures: forgiven with failures: 3
	)
	w.probe("mx1", utc(2026, 8, 1, 0, 0), utc(2026, 8, 12, 0, 0), both)
	w.probe("mx1", utc(2026, 8, 14, 0, 0), utc(2026, 12, 1, 0, 0), both) // the prober stopped for two days
	mx2 := during(utc(2026, 8, 31, 23, 50), utc(2026, 9, 1, 0, 30))
	w.probe("mx2", utc(2026, 8, 1, 0, 0), utc(2026, 8, 12, 0, 0), mx2)
	w.probe("mx2", utc(2026, 8, 14, 0, 0), utc(2026, 12, 1, 0, 0), mx2)
	months := func() map[string]map[string]sla.Figures {
		return map[string]map[string]sla.Figures{
			"aug": w.month(2026, time.August, time.UTC), "sep": w.month(2026, time.September, time.UTC),
			"oct": w.month(2026, time.October, time.UTC), "nov": w.month(2026, time.November, time.UTC),
		}
	}
	before := months()
	if f := before["sep"]["smtp"]; f.DowntimeMinutes != 7 || before["aug"]["smtp"].DowntimeMinutes != 2 || before["aug"]["smtp"].UnknownMinutes != 2*1440-2 {
		t.Fatalf("before settling: August %+v, September %+v", before["aug"]["smtp"], f)
	}
	if f := before["oct"]["smtp"]; f.DowntimeMinutes != 0 {
		t.Fatalf("two failures counted with failures: 3: %+v", f.Downtime)
	}
	checks := w.mem.Len()
	res, err := w.svc.Settle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	until := utc(2026, 11, 30, 23, 0).Add(-(ha.Lookback(time.Minute))) // an hour and the lookback behind
	if !res.Settled["smtp"].Equal(until) || res.Pruned == 0 || w.mem.Len() != checks-int(res.Pruned) {
		t.Errorf("settle: %+v, %d of %d checks left; want settled until %s", res, w.mem.Len(), checks, until)
	}
	if left, _ := w.mem.Checks(ctx, []string{"mx1", "mx2"}, time.Time{}, utc(2026, 11, 1, 0, 0).Add(-time.Minute)); len(left) != 0 {
		t.Errorf("%d checks older than the retention are left", len(left))
	}
	if diff := cmp.Diff(before, months()); diff != "" {
		t.Errorf("figures changed by settling and pruning (-before +after):\n%s", diff)
	}
	again, err := w.svc.Settle(ctx)
	if err != nil || again.Pruned != 0 || !again.Settled["smtp"].Equal(until) {
		t.Errorf("second settle: %+v, %v", again, err)
	}
}

// Retention 0 keeps every check.
func TestSettleWithoutRetentionKeepsChecks(t *testing.T) {
	w := newWorld(t, utc(2026, 12, 1, 0, 0), func(p *sla.Policy) { p.Retention = 0 }, smtp)
	w.probe("mx1", utc(2026, 8, 1, 0, 0), utc(2026, 12, 1, 0, 0), nil)
	n := w.mem.Len()
	if res, err := w.svc.Settle(context.Background()); err != nil || res.Pruned != 0 || w.mem.Len() != n {
		t.Errorf("settle %+v, %v: %d of %d checks left", res, err, w.mem.Len(), n)
	}
}
