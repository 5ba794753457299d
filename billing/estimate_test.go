package billing_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// The month-to-date estimate is the draft a run of each customer's current
// month (in its own zone) would store, and stores nothing.
func TestEstimates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC) // still November in Los Angeles
		clock := func() time.Time { return now }
		dir := directory.NewService(s, clock)
		for _, c := range []directory.CustomerInput{
			{ID: "acme", Name: "Acme", Currency: "EUR", Plan: "standard"},
			{ID: "west", Name: "West", Currency: "EUR", Plan: "standard", Timezone: "America/Los_Angeles"},
			{ID: "hobby", Name: "Hobby"},
		} {
			if _, err := dir.AddCustomer(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range []string{"acme", "west", "hobby"} {
			if _, err := dir.AddDomain(ctx, directory.DomainInput{Name: d + ".example", CustomerID: d}); err != nil {
				t.Fatal(err)
			}
			if _, err := dir.AddMailbox(ctx, directory.MailboxInput{Address: "a@" + d + ".example", Created: now.AddDate(0, -2, 0)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Commit(ctx, metering.Batch{Counters: []metering.CounterDelta{
			{Mailbox: "a@west.example", Metric: metering.OutBytes, Hour: now.Add(-5 * time.Hour), Value: 7 * billing.GB},
		}}); err != nil {
			t.Fatal(err)
		}
		r := newRunner(t, s, clock)
		est, fails, err := r.Estimates(ctx, nil)
		if err != nil || len(fails) != 0 {
			t.Fatal(err, fails)
		}
		if len(est) != 3 || est[0].Customer != "acme" || est[1].Skipped != "no plan" || est[2].Customer != "west" {
			t.Fatalf("estimates = %+v", est)
		}
		if p := est[2].Invoice.Period; p.From.Month() != time.November || est[0].Invoice.Period.From.Month() != time.December {
			t.Errorf("periods: west %v, acme %v; want each customer's own current month", p.From, est[0].Invoice.Period.From)
		}
		if est[2].Invoice.Total <= est[0].Invoice.Total {
			t.Errorf("west's 7 GB of transfer should cost more than acme's nothing: %d vs %d", est[2].Invoice.Total, est[0].Invoice.Total)
		}
		invs := billing.NewInvoices(s, clock)
		if stored, err := invs.List(ctx, "", directory.Page{}); err != nil || len(stored) != 0 {
			t.Fatalf("an estimate stored invoices: %+v, %v", stored, err)
		}
		if _, err := r.Run(ctx, 2026, time.November, []string{"west"}, nil); err != nil {
			t.Fatal(err)
		}
		draft, err := invs.Get(ctx, billing.InvoiceID("west", 2026, time.November))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(draft.Invoice, est[2].Invoice); diff != "" {
			t.Errorf("estimate differs from the run's draft (-draft +estimate):\n%s", diff)
		}
		if _, _, err := r.Estimates(ctx, []string{"nobody"}); metering.KindOf(err) != metering.NotFound {
			t.Errorf("estimate of an unknown customer: %v, want NotFound", err)
		}
	})
}
