package quota_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// A mailbox without limits of its own has its customer's plan's; its own
// replace them and removing them brings the plan's back. Monthly outbound
// figures count the whole UTC month, daily ones the day.
func TestPlanDefaultsAndMonthlyLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := &alertClock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
		dir := directory.NewService(s, clk.now)
		dir.AddCustomer(ctx, directory.CustomerInput{ID: "acme", Name: "Acme", Plan: "gold"})
		dir.AddCustomer(ctx, directory.CustomerInput{ID: "globex", Name: "Globex"})
		dir.AddDomain(ctx, directory.DomainInput{Name: "acme.example", CustomerID: "acme"})
		dir.AddDomain(ctx, directory.DomainInput{Name: "globex.example", CustomerID: "globex"})
		for _, m := range []string{"alice@acme.example", "bob@acme.example", "carol@globex.example"} {
			if _, err := dir.AddMailbox(ctx, directory.MailboxInput{Address: m, Created: clk.now().AddDate(0, -1, 0)}); err != nil {
				t.Fatal(err)
			}
		}
		view := quota.NewView(s, s, clk.now)
		qs := quota.NewService(s, view, s, clk.now)
		if _, err := qs.SetPlanLimits(ctx, "gold", quota.LimitsInput{StorageHard: 1000, OutRecipientsPerMonth: 100, OutBytesPerDay: 5000}); err != nil {
			t.Fatal(err)
		}
		if _, err := qs.SetPlanLimits(ctx, " ", quota.LimitsInput{}); metering.FieldOf(err) != "plan" {
			t.Errorf("blank plan name: %v", err)
		}
		if _, err := qs.SetPlanLimits(ctx, "gold", quota.LimitsInput{StorageSoft: 10, StorageHard: 5}); metering.FieldOf(err) != "storage_hard_bytes" {
			t.Errorf("hard below soft: %v", err)
		}
		// Usage: 95 recipients earlier this month, 3 today; storage 1200.
		b := metering.Batch{
			Counters: []metering.CounterDelta{
				{Mailbox: "alice@acme.example", Metric: metering.OutRecipients, Hour: time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC), Value: 95},
				{Mailbox: "alice@acme.example", Metric: metering.OutRecipients, Hour: time.Date(2026, 10, 30, 10, 0, 0, 0, time.UTC), Value: 500}, // last month
				{Mailbox: "alice@acme.example", Metric: metering.OutRecipients, Hour: metering.Hour(clk.now()), Value: 3},
			},
			Gauges: []metering.GaugeDelta{
				{Mailbox: "alice@acme.example", Metric: metering.StorageBytes, Hour: metering.Hour(clk.now()), Last: 1200, Max: 1200, ObservedAt: clk.now()},
				{Mailbox: "carol@globex.example", Metric: metering.StorageBytes, Hour: metering.Hour(clk.now()), Last: 1200, Max: 1200, ObservedAt: clk.now()},
			},
		}
		if err := s.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
		if err := view.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		r, _ := view.Report(ctx, "alice@acme.example")
		if r.Storage.Hard != 1000 || r.Storage.Status != quota.Over || r.OutRecipients.Used != 3 ||
			r.MonthOutRecipients.Used != 98 || r.MonthOutRecipients.Hard != 100 || r.OutboundMonth != quota.Warning ||
			!r.MonthResetsAt.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("alice under gold = %+v", r)
		}
		if l, err := qs.Limits(ctx, "alice@acme.example"); err != nil || l.Source != quota.SourcePlan || l.Plan != "gold" || l.StorageHard != 1000 {
			t.Errorf("alice's limits = %+v, %v", l, err)
		}
		if r, _ := view.Report(ctx, "carol@globex.example"); r.Storage.Hard != 0 || r.Storage.Status != quota.OK {
			t.Errorf("carol (no plan) = %+v", r)
		}

		// Two more recipients reach the month's limit exactly (Over).
		apply(t, s, view, "alice@acme.example", clk.now(), 2)
		if r, _ := view.Report(ctx, "alice@acme.example"); r.MonthOutRecipients.Used != 100 || r.OutboundMonth != quota.Over || r.OutRecipients.Used != 5 {
			t.Errorf("at the month's limit = %+v", r)
		}

		// Own limits replace the plan's; removing them brings it back.
		if _, err := qs.SetLimits(ctx, quota.LimitsInput{Mailbox: "alice@acme.example", StorageHard: 5000}); err != nil {
			t.Fatal(err)
		}
		if r, _ := view.Report(ctx, "alice@acme.example"); r.Storage.Hard != 5000 || r.MonthOutRecipients.Hard != 0 {
			t.Errorf("own limits = %+v", r)
		}
		if err := qs.DeleteLimits(ctx, "alice@acme.example"); err != nil {
			t.Fatal(err)
		}
		if err := qs.DeleteLimits(ctx, "alice@acme.example"); metering.KindOf(err) != metering.NotFound {
			t.Errorf("deleting twice: %v", err)
		}
		if l, _ := qs.Limits(ctx, "alice@acme.example"); l.Source != quota.SourcePlan || l.StorageHard != 1000 {
			t.Errorf("after delete = %+v", l)
		}
		// A fresh view (another process) sees the same.
		other := quota.NewView(s, s, clk.now)
		other.Refresh(ctx)
		if r, _ := other.Report(ctx, "alice@acme.example"); r.Storage.Hard != 1000 || r.MonthOutRecipients.Used != 100 {
			t.Errorf("reloaded = %+v", r)
		}

		// Plan limits are in the warnings too: bob (gold, no usage) has
		// nothing to report; alice's storage and month recipients do.
		a := quota.NewAlerter(view, s, nil, false, slog.New(slog.DiscardHandler), clk.now)
		cs, err := a.Check(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, c := range cs {
			got[c.Mailbox+" "+c.Meter] = c.Level
		}
		if len(got) != 2 || got["alice@acme.example storage"] != 100 || got["alice@acme.example out_recipients_month"] != 100 {
			t.Errorf("crossings %v", got)
		}

		// A new month starts from zero.
		clk.add(11 * 24 * time.Hour) // 1 December
		if r, _ := view.Report(ctx, "alice@acme.example"); r.MonthOutRecipients.Used != 0 || r.OutRecipients.Used != 0 {
			t.Errorf("in December = %+v", r)
		}
	})
}

func apply(t *testing.T, s *store.Store, v *quota.View, mailbox string, at time.Time, n int64) {
	t.Helper()
	b := metering.Batch{Counters: []metering.CounterDelta{{Mailbox: mailbox, Metric: metering.OutRecipients, Hour: metering.Hour(at), Value: n}}}
	if err := s.Commit(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	v.Apply(b)
}
