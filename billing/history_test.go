package billing_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// documents renders a record as every format prints it.
func documents(t *testing.T, r billing.Record) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(strings.Join(billing.Text(r), "\n"))
	if err := billing.WriteCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	if err := billing.WritePDF(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A price change is a new version from a day: October, computed before
// and after the change (from November 1st), is the same invoice byte for
// byte; November has the new price. Then the customer moves to pro on
// November 16th: November is billed half at standard's new price (9.00 ×
// 15/30 = 4.50) and half at pro's (8.00 × 15/30 = 4.00).
func TestPriceChangeAndPlanHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		plans := billing.NewCatalog(s, clock)
		if _, err := plans.Add(ctx, billing.PlanInput{ID: "standard", Currency: "EUR", MailboxFee: "5.00", TaxRate: "19"}); err != nil {
			t.Fatal(err)
		}
		dir := directory.NewService(s, clock).WithPlans(plans).WithPlanHistory(s)
		if _, err := dir.AddCustomer(ctx, directory.CustomerInput{ID: "acme", Name: "Acme", Plan: "standard"}); err != nil {
			t.Fatal(err)
		}
		dir.AddDomain(ctx, directory.DomainInput{Name: "acme.example", CustomerID: "acme"})
		if _, err := dir.AddMailbox(ctx, directory.MailboxInput{Address: "alice@acme.example", Created: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		run := billing.NewRunner(billing.Sources{Directory: s, History: s, Plans: s, Usage: s, Series: s}, s, clock)
		invs := billing.NewInvoices(s, clock)
		month := func(m time.Month) billing.Record {
			t.Helper()
			rep, err := run.Run(ctx, 2026, m, nil, nil)
			if err != nil || len(rep.Failures) != 0 {
				t.Fatal(err, rep.Failures)
			}
			r, err := invs.Get(ctx, billing.InvoiceID("acme", 2026, m))
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		oct := month(time.October)
		before := documents(t, oct)
		if oct.Invoice.Total != 595 {
			t.Fatalf("October before the change: %d", oct.Invoice.Total)
		}

		if _, err := plans.Update(ctx, "standard", billing.PlanInput{MailboxFee: "9.00", Effective: "2026-11-01"}); err != nil {
			t.Fatal(err)
		}
		again := month(time.October)
		if diff := cmp.Diff(oct, again); diff != "" {
			t.Errorf("October after the price change (-before +after):\n%s", diff)
		}
		if after := documents(t, again); !bytes.Equal(before, after) {
			i := 0
			for i < len(before) && i < len(after) && before[i] == after[i] {
				i++
			}
			t.Errorf("October's documents changed with a price change from November, at byte %d: %q vs %q", i, before[max(0, i-80):min(len(before), i+80)], after[max(0, i-80):min(len(after), i+80)])
		}
		if nov := month(time.November); nov.Invoice.Lines[0].Amount != 900 || nov.Invoice.Total != 1071 {
			t.Errorf("November at the new price: %+v", nov.Invoice.Lines)
		}

		if _, err := plans.Add(ctx, billing.PlanInput{ID: "pro", Currency: "EUR", MailboxFee: "8.00", TaxRate: "19"}); err != nil {
			t.Fatal(err)
		}
		if _, err := dir.UpdateCustomer(ctx, "acme", directory.CustomerPatch{Plan: ptr("pro"), PlanEffective: time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		nov := month(time.November)
		var got []billing.Money
		for _, l := range nov.Invoice.Lines {
			got = append(got, l.Amount)
		}
		// 8.50 net, 19 % tax = 1.615 → 1.62: 10.12.
		if nov.Invoice.Plan != "standard, pro" || !cmp.Equal(got, []billing.Money{450, 400}) || nov.Invoice.Total != 1012 ||
			!strings.Contains(nov.Invoice.Lines[1].Description, "(plan pro from 2026-11-16)") {
			t.Errorf("November with the change: plan %q lines %v total %d", nov.Invoice.Plan, nov.Invoice.Lines, nov.Invoice.Total)
		}
		if !bytes.Equal(before, documents(t, month(time.October))) {
			t.Error("October's documents changed with a plan change in November")
		}
		if c, _ := s.GetCustomer(ctx, "acme"); c.Plan != "pro" {
			t.Errorf("current plan %q", c.Plan)
		}
		h, err := s.PlanChanges(ctx, "acme")
		want := []directory.PlanChange{{Plan: "standard", EffectiveFrom: directory.PlanEpoch}, {Plan: "pro", EffectiveFrom: time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)}}
		if err != nil || !cmp.Equal(h, want) {
			t.Errorf("history %+v, %v", h, err)
		}
		// Refused: a change after today, a plan not defined.
		_, err = dir.UpdateCustomer(ctx, "acme", directory.CustomerPatch{Plan: ptr("standard"), PlanEffective: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)})
		if metering.FieldOf(err) != "effective" {
			t.Errorf("a change from tomorrow: %v", err)
		}
		if _, err := dir.UpdateCustomer(ctx, "acme", directory.CustomerPatch{Plan: ptr("gold")}); metering.FieldOf(err) != "plan" {
			t.Errorf("an undefined plan: %v", err)
		}
	})
}
