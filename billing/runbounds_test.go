package billing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// day is a UTC midnight of 2026 (or, for months past 12, of 2027).
func day(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }

// addCustomer adds a customer with one domain and the given mailboxes,
// created (back-dated) at the times given. dir accepts any plan: the plan
// may since have been dropped from the configuration.
func addCustomer(t *testing.T, dir *directory.Service, in directory.CustomerInput, mailboxes map[string]time.Time) {
	t.Helper()
	ctx := context.Background()
	if _, err := dir.AddCustomer(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := dir.AddDomain(ctx, directory.DomainInput{Name: in.ID + ".example", CustomerID: in.ID}); err != nil {
		t.Fatal(err)
	}
	for local, created := range mailboxes {
		if _, err := dir.AddMailbox(ctx, directory.MailboxInput{Address: local + "@" + in.ID + ".example", Created: created}); err != nil {
			t.Fatal(err)
		}
	}
}

// newRunner is a run over s with plan() in the database, as the
// configuration's seed imports it.
func newRunner(t *testing.T, s *store.Store, clock func() time.Time) *billing.Runner {
	t.Helper()
	return newRunnerWith(t, s, clock, nil)
}

// newRunnerWith is newRunner measuring the services through levels (nil:
// none measured).
func newRunnerWith(t *testing.T, s *store.Store, clock func() time.Time, levels billing.Levels) *billing.Runner {
	t.Helper()
	if _, err := billing.NewCatalog(s, clock).Seed(context.Background(), []billing.Plan{plan()}); err != nil {
		t.Fatal(err)
	}
	return billing.NewRunner(billing.Sources{Directory: s, History: s, Plans: s, Usage: s, Series: s, Levels: levels}, s, clock)
}

// One customer the run cannot bill (a plan the configuration no longer
// defines, a currency its plan is not priced in) keeps no other customer
// from its invoice; each failure is reported with its customer.
func TestRunReportsEachFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := day(12, 2)
		clock := func() time.Time { return now }
		dir := directory.NewService(s, clock)
		alive := map[string]time.Time{"alice": day(10, 1)}
		addCustomer(t, dir, directory.CustomerInput{ID: "acme", Name: "Acme", Plan: "standard"}, alive)
		addCustomer(t, dir, directory.CustomerInput{ID: "globex", Name: "Globex", Plan: "platinum"}, alive)
		addCustomer(t, dir, directory.CustomerInput{ID: "hobby", Name: "Hobby"}, alive)
		addCustomer(t, dir, directory.CustomerInput{ID: "initech", Name: "Initech", Currency: "USD", Plan: "standard"}, alive)
		addCustomer(t, dir, directory.CustomerInput{ID: "umbrella", Name: "Umbrella", Plan: "standard"}, alive)
		var calls []int
		rep, err := newRunner(t, s, clock).Run(ctx, 2026, time.November, nil, func(done, total int) { calls = append(calls, done, total) })
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		if len(rep.Outcomes) != 3 || rep.Outcomes[0].Customer != "acme" || rep.Outcomes[0].Total != 595 ||
			rep.Outcomes[1].Skipped != "no plan" || rep.Outcomes[2].Customer != "umbrella" || rep.Outcomes[2].Total != 595 {
			t.Errorf("outcomes = %+v", rep.Outcomes)
		}
		if len(rep.Failures) != 2 || rep.Failures[0].Customer != "globex" || rep.Failures[1].Customer != "initech" {
			t.Fatalf("failures = %+v", rep.Failures)
		}
		if f := rep.Failures[0]; metering.KindOf(f.Err) != metering.Conflict || metering.FieldOf(f.Err) != "plan" || !strings.Contains(f.Err.Error(), `"platinum"`) {
			t.Errorf("globex: %v", f.Err)
		}
		if f := rep.Failures[1]; metering.KindOf(f.Err) != metering.Conflict || metering.FieldOf(f.Err) != "currency" {
			t.Errorf("initech: %v", f.Err)
		}
		if len(calls) != 10 || calls[8] != 5 || calls[9] != 5 {
			t.Errorf("progress calls = %v, want one per customer", calls)
		}
		for id, want := range map[string]metering.Kind{"acme-2026-11": "", "umbrella-2026-11": "", "globex-2026-11": metering.NotFound} {
			if _, err := s.GetInvoice(ctx, id); metering.KindOf(err) != want {
				t.Errorf("%s: %v", id, err)
			}
		}
	})
}

// A period is billed from the month the customer existed in (created, or
// its first mailbox back-dated before that) to one month ahead at most.
func TestRunPeriodBounds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := day(11, 15)
		clock := func() time.Time { return now }
		dir := directory.NewService(s, clock)
		addCustomer(t, dir, directory.CustomerInput{ID: "acme", Name: "Acme", Plan: "standard"}, map[string]time.Time{"alice": now})
		addCustomer(t, dir, directory.CustomerInput{ID: "globex", Name: "Globex", Plan: "standard"}, map[string]time.Time{"gus": day(9, 1)})
		now = day(12, 2)
		r := newRunner(t, s, clock)

		rep, err := r.Run(ctx, 2026, time.October, nil, nil)
		if err != nil || len(rep.Failures) != 0 || len(rep.Outcomes) != 2 || rep.Outcomes[0].Skipped != "before the customer existed" || rep.Outcomes[1].Total != 595 {
			t.Fatalf("October = %+v, %v", rep, err)
		}
		if _, err := s.GetInvoice(ctx, "acme-2026-10"); metering.KindOf(err) != metering.NotFound {
			t.Errorf("acme got an invoice of a month before it existed: %v", err)
		}
		if rep, err := r.Run(ctx, 1999, time.January, nil, nil); err != nil || len(rep.Outcomes) != 2 || rep.Outcomes[1].Skipped != "before the customer existed" {
			t.Errorf("1999 = %+v, %v", rep, err)
		}
		if rep, err := r.Run(ctx, 2027, time.January, nil, nil); err != nil || len(rep.Outcomes) != 2 || rep.Outcomes[0].Skipped != "period has not begun" {
			t.Errorf("next month = %+v, %v", rep, err)
		}
		for _, m := range []struct {
			y int
			m time.Month
		}{{2027, time.February}, {2030, time.June}, {9999, time.December}} {
			if rep, err := r.Run(ctx, m.y, m.m, nil, nil); metering.KindOf(err) != metering.Invalid || metering.FieldOf(err) != "period" || len(rep.Outcomes) != 0 {
				t.Errorf("%d-%02d: %+v, %v", m.y, m.m, rep, err)
			}
		}
	})
}

// A month in which none of a customer's mailboxes existed gets no invoice,
// even with storage carried over from before; a draft made before its
// mailboxes were removed (back-dated) goes on the next run, a final
// invoice stays.
func TestNoInvoiceWithoutMailboxes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := day(12, 2)
		clock := func() time.Time { return now }
		dir := directory.NewService(s, clock)
		sep := map[string]time.Time{"alice": day(9, 1)}
		for _, id := range []string{"acme", "globex", "initech"} {
			addCustomer(t, dir, directory.CustomerInput{ID: id, Name: id, Plan: "standard"}, sep)
		}
		// initech's mailbox left in October with 3 GB stored.
		err := s.Commit(ctx, metering.Batch{Gauges: []metering.GaugeDelta{{Mailbox: "alice@initech.example", Metric: metering.StorageBytes,
			Hour: day(10, 5), Last: 3 * billing.GB, Max: 3 * billing.GB, ObservedAt: day(10, 5)}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := dir.RemoveMailbox(ctx, "alice@initech.example", day(10, 11)); err != nil {
			t.Fatal(err)
		}
		r := newRunner(t, s, clock)
		rep, err := r.Run(ctx, 2026, time.November, nil, nil)
		if err != nil || len(rep.Outcomes) != 3 || rep.Outcomes[0].Total != 595 || rep.Outcomes[1].Total != 595 || rep.Outcomes[2].Skipped != "no mailbox in the period" {
			t.Fatalf("November = %+v, %v", rep, err)
		}
		if _, err := s.GetInvoice(ctx, "initech-2026-11"); metering.KindOf(err) != metering.NotFound {
			t.Errorf("initech billed for a month without a mailbox: %v", err)
		}
		if _, err := billing.NewInvoices(s, clock).Finalize(ctx, "globex-2026-11"); err != nil {
			t.Fatal(err)
		}
		// Both mailboxes turn out to have left in October.
		for _, id := range []string{"acme", "globex"} {
			if err := dir.RemoveMailbox(ctx, "alice@"+id+".example", day(10, 20)); err != nil {
				t.Fatal(err)
			}
		}
		rep, err = r.Run(ctx, 2026, time.November, nil, nil)
		if err != nil || len(rep.Outcomes) != 3 || rep.Outcomes[0].Skipped != "no mailbox in the period" || rep.Outcomes[1].Skipped != "final; not recomputed" {
			t.Fatalf("November again = %+v, %v", rep, err)
		}
		if _, err := s.GetInvoice(ctx, "acme-2026-11"); metering.KindOf(err) != metering.NotFound {
			t.Errorf("acme's stale draft is still there: %v", err)
		}
		if f, err := s.GetInvoice(ctx, "globex-2026-11"); err != nil || f.Status != billing.Final || f.Invoice.Total != 595 {
			t.Errorf("globex's final invoice = %+v, %v", f, err)
		}
	})
}
