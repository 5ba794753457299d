package billing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/sla"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// A run reads the directory, usage, probes and latency from a real store
// and reaches the invoice computed by hand in TestComputeNovember; runs are
// idempotent, final invoices are numbered without gaps and never change.
func TestRunnerMonth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		d := func(m time.Month, day, hour int) time.Time { return time.Date(2026, m, day, hour, 0, 0, 0, time.UTC) }
		now := d(12, 2, 9)
		clock := func() time.Time { return now }
		dir := directory.NewService(s, clock)
		for _, c := range []directory.CustomerInput{
			{ID: "acme", Name: "Acme", Currency: "EUR", Plan: "standard"},
			{ID: "globex", Name: "Globex", Currency: "EUR", Plan: "standard"},
			{ID: "hobby", Name: "Hobby"},
		} {
			if _, err := dir.AddCustomer(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		dir.AddDomain(ctx, directory.DomainInput{Name: "acme.example", CustomerID: "acme"})
		dir.AddDomain(ctx, directory.DomainInput{Name: "globex.example", CustomerID: "globex"})
		for addr, created := range map[string]time.Time{"alice@acme.example": d(10, 1, 0), "bob@acme.example": d(11, 16, 0),
			"carol@acme.example": d(9, 1, 0), "dave@acme.example": d(12, 2, 0), "gus@globex.example": d(11, 1, 0)} {
			if _, err := dir.AddMailbox(ctx, directory.MailboxInput{Address: addr, Created: created}); err != nil {
				t.Fatal(err)
			}
		}
		if err := dir.RemoveMailbox(ctx, "carol@acme.example", d(11, 11, 0)); err != nil {
			t.Fatal(err)
		}
		gauge := func(m string, at time.Time, v int64) metering.GaugeDelta {
			return metering.GaugeDelta{Mailbox: m, Metric: metering.StorageBytes, Hour: at, Last: v, Max: v, ObservedAt: at}
		}
		b := metering.Batch{
			Gauges: []metering.GaugeDelta{
				gauge("alice@acme.example", d(10, 31, 20), 3*billing.GB), // carried through November
				gauge("bob@acme.example", d(11, 16, 10), billing.GB),
			},
			Counters: []metering.CounterDelta{
				{Mailbox: "alice@acme.example", Metric: metering.InBytes, Hour: d(11, 5, 10), Value: 1_500_000_000},
				{Mailbox: "alice@acme.example", Metric: metering.OutBytes, Hour: d(11, 6, 10), Value: 1_000_000_000},
				{Mailbox: "alice@acme.example", Metric: metering.OutBytes, Hour: d(10, 6, 10), Value: 9 * billing.GB}, // October
			},
			Latency: []metering.LatencyDelta{
				{Hour: d(11, 3, 10), Direction: metering.Inbound, Bucket: metering.BucketOf(time.Second), Count: 850},
				{Hour: d(11, 3, 10), Direction: metering.Outbound, Bucket: metering.BucketOf(5 * time.Minute), Count: 150},
			},
			Availability: []metering.AvailabilityDelta{
				{Probe: "smtp", Hour: d(11, 7, 3), Attempts: 6000, Successes: 5980},
				{Probe: "imap", Hour: d(11, 8, 3), Attempts: 4000, Successes: 4000},
				{Probe: "smtp", Hour: d(10, 7, 3), Attempts: 1000, Successes: 0}, // October
			},
		}
		// Checks every ten minutes all November; smtp is down for 90
		// minutes (99.79 %: the 10 % tier), imap never.
		outage := d(11, 7, 3)
		for at := d(11, 1, 0).Add(20 * time.Second); at.Before(d(12, 1, 0)); at = at.Add(10 * time.Minute) {
			down := !at.Before(outage) && at.Before(outage.Add(90*time.Minute))
			b.Checks = append(b.Checks, metering.ProbeCheck{Probe: "smtp", At: at, Up: !down}, metering.ProbeCheck{Probe: "imap", At: at, Up: true})
		}
		if err := s.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
		levels, err := sla.NewService(sla.Deps{Store: s, Policy: sla.DefaultPolicy(10 * time.Minute), Now: clock,
			Services: sla.ServicesOf(nil, []string{"smtp", "imap"})})
		if err != nil {
			t.Fatal(err)
		}
		counted := &countingLevels{next: levels}
		r := newRunnerWith(t, s, clock, counted)
		invs := billing.NewInvoices(s, clock)
		rep, err := r.Run(ctx, 2026, time.November, nil, nil)
		if err != nil || len(rep.Failures) != 0 {
			t.Fatal(err, rep.Failures)
		}
		out := rep.Outcomes
		if len(out) != 3 || out[0].Customer != "acme" || out[0].Total != 954 || out[1].Customer != "globex" || out[1].Total != 506 || out[2].Skipped != "no plan" {
			// globex: gus all month: (500 − 15 % credit 75) + 19 % tax of 425 (80.75 → 81) = 506
			t.Fatalf("run = %+v", out)
		}
		if counted.n != 1 {
			t.Errorf("services measured %d times for two customers of one zone, want once", counted.n)
		}
		rec, err := s.GetInvoice(ctx, "acme-2026-11")
		if err != nil || rec.Status != billing.Draft || rec.Invoice.Credit != 138 || rec.Invoice.Evidence.Checks != 10000 || rec.Invoice.Evidence.DeliveredWithin != 850 {
			t.Fatalf("stored draft = %+v, %v", rec, err)
		}
		// The stored evidence names the service and its downtime.
		ev := rec.Invoice.Evidence
		if ev.CreditService != "smtp" || ev.AvailabilityPPM != (43200-90)*1_000_000/43200 || len(ev.Services) != 2 ||
			ev.Services[1].Service != "smtp" || len(ev.Services[1].Downtime) != 1 || !ev.Services[1].Downtime[0].Start.Equal(outage) ||
			ev.Services[1].Downtime[0].Minutes != 90 {
			t.Errorf("stored evidence %+v", ev)
		}

		// Again: recomputed in place, one invoice per customer and month.
		now = now.Add(time.Hour)
		if _, err := r.Run(ctx, 2026, time.November, []string{"acme"}, nil); err != nil {
			t.Fatal(err)
		}
		all, _ := s.ListInvoices(ctx, "", directory.Page{})
		if again, _ := s.GetInvoice(ctx, "acme-2026-11"); len(all) != 2 || !again.ComputedAt.Equal(now) || again.Invoice.Total != 954 {
			t.Errorf("after a second run: %d invoices, %+v", len(all), again)
		}

		// Final: numbered in order, never recomputed, never finalized twice.
		f1, err := invs.Finalize(ctx, "acme-2026-11")
		if err != nil || f1.Number != "2026-000001" || f1.Status != billing.Final {
			t.Fatalf("finalize acme = %+v, %v", f1, err)
		}
		f2, err := invs.Finalize(ctx, "globex-2026-11")
		if err != nil || f2.Number != "2026-000002" {
			t.Fatalf("finalize globex = %+v, %v", f2, err)
		}
		if _, err := invs.Finalize(ctx, "acme-2026-11"); metering.KindOf(err) != metering.Conflict || !errors.Is(err, billing.ErrFinal) {
			t.Errorf("finalizing twice: %v", err)
		}
		if _, err := invs.Finalize(ctx, "nope-2026-11"); metering.KindOf(err) != metering.NotFound {
			t.Errorf("finalizing a missing invoice: %v", err)
		}
		// New usage after finalizing changes nothing of the final invoice.
		s.Commit(ctx, metering.Batch{Counters: []metering.CounterDelta{{Mailbox: "alice@acme.example", Metric: metering.OutBytes, Hour: d(11, 20, 1), Value: 50 * billing.GB}}})
		rep, _ = r.Run(ctx, 2026, time.November, []string{"acme"}, nil)
		if out := rep.Outcomes; out[0].Skipped != "final; not recomputed" {
			t.Errorf("run over a final invoice: %+v", rep)
		}
		if got, _ := s.GetInvoice(ctx, "acme-2026-11"); got.Invoice.Total != 954 || got.Number != "2026-000001" {
			t.Errorf("final invoice changed: %+v", got)
		}

		// A month not begun is skipped; an unknown plan is that customer's
		// failure.
		if rep, _ := r.Run(ctx, 2027, time.January, []string{"acme"}, nil); rep.Outcomes[0].Skipped != "period has not begun" {
			t.Errorf("future month: %+v", rep)
		}
		dir.UpdateCustomer(ctx, "hobby", directory.CustomerPatch{Plan: ptr("platinum")})
		if rep, err := r.Run(ctx, 2026, time.November, []string{"hobby"}, nil); err != nil || len(rep.Failures) != 1 || metering.FieldOf(rep.Failures[0].Err) != "plan" {
			t.Errorf("unknown plan: %+v, %v", rep, err)
		}
	})
}

func ptr(s string) *string { return &s }

// countingLevels counts the measurements a run asks for.
type countingLevels struct {
	next billing.Levels
	n    int
}

func (c *countingLevels) Figures(ctx context.Context, from, to time.Time) ([]sla.Figures, error) {
	c.n++
	return c.next.Figures(ctx, from, to)
}

// A customer removed during a month still gets that month's invoice, for
// the days its mailboxes existed; later months leave it out.
func TestRemovedCustomerGetsItsLastInvoice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		at := func(m time.Month, day int) time.Time { return time.Date(2026, m, day, 0, 0, 0, 0, time.UTC) }
		now := at(11, 20)
		clock := func() time.Time { return now }
		dir := directory.NewService(s, clock)
		dir.AddCustomer(ctx, directory.CustomerInput{ID: "initech", Name: "Initech", Plan: "standard"})
		dir.AddDomain(ctx, directory.DomainInput{Name: "initech.example", CustomerID: "initech"})
		if _, err := dir.AddMailbox(ctx, directory.MailboxInput{Address: "peter@initech.example", Created: at(10, 1)}); err != nil {
			t.Fatal(err)
		}
		for _, step := range []func() error{
			func() error { return dir.RemoveMailbox(ctx, "peter@initech.example", at(11, 20)) },
			func() error { return dir.RemoveDomain(ctx, "initech.example") },
			func() error { return dir.RemoveCustomer(ctx, "initech") },
		} {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
		now = at(12, 2)
		r := newRunner(t, s, clock)
		rep, err := r.Run(ctx, 2026, time.November, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := rep.Outcomes
		// 19 of 30 days: 500 × 19/30 = 316.67 → 317, + 19 % tax (60.23 → 60).
		if len(out) != 1 || out[0].Customer != "initech" || out[0].Total != 377 {
			t.Fatalf("November = %+v", out)
		}
		if rep, err := r.Run(ctx, 2026, time.November, []string{"initech"}, nil); err != nil || rep.Outcomes[0].Total != 377 {
			t.Errorf("November, by name = %+v, %v", rep, err)
		}
		rep, err = r.Run(ctx, 2026, time.December, nil, nil)
		if err != nil || len(rep.Outcomes)+len(rep.Failures) != 0 {
			t.Errorf("December = %+v, %v", rep, err)
		}
		if _, err := r.Run(ctx, 2026, time.December, []string{"initech"}, nil); metering.KindOf(err) != metering.NotFound {
			t.Errorf("December, by name: %v", err)
		}
	})
}
