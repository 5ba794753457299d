package billing_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/billing/billingtest"
	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// eachInvoiceStore runs fn on the in-memory store and on both databases
// (where invoices need their customers, those are created first).
func eachInvoiceStore(t *testing.T, customers []string, fn func(t *testing.T, s billing.Store)) {
	t.Run("memory", func(t *testing.T) { fn(t, billingtest.NewStore()) })
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		dir := directory.NewService(s, time.Now)
		for _, c := range customers {
			if _, err := dir.AddCustomer(context.Background(), directory.CustomerInput{ID: c, Name: c}); err != nil {
				t.Fatal(err)
			}
		}
		fn(t, s)
	})
}

func draft(customer string, total billing.Money) billing.Record {
	return billing.Record{ID: billing.InvoiceID(customer, 2026, time.November), Customer: customer, ComputedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		Invoice: billing.Invoice{Customer: customer, Currency: "EUR", Period: billing.Month(2026, time.November, time.UTC), Total: total}}
}

// A draft is replaced by every save and removed on request until it is
// final; then neither changes it.
func TestDraftLifecycle(t *testing.T) {
	eachInvoiceStore(t, []string{"acme"}, func(t *testing.T, s billing.Store) {
		ctx := context.Background()
		invs := billing.NewInvoices(s, func() time.Time { return time.Date(2027, 1, 2, 3, 0, 0, 0, time.UTC) })
		for _, total := range []billing.Money{100, 250} {
			if err := invs.SaveDraft(ctx, draft("acme", total)); err != nil {
				t.Fatal(err)
			}
		}
		got, err := invs.Get(ctx, "acme-2026-11")
		if err != nil || got.Status != billing.Draft || got.Kind != billing.KindInvoice || got.Invoice.Total != 250 || got.Number != "" {
			t.Fatalf("draft = %+v, %v", got, err)
		}
		if err := invs.DeleteDraft(ctx, "acme-2026-11"); err != nil {
			t.Fatal(err)
		}
		if _, err := invs.Get(ctx, "acme-2026-11"); metering.KindOf(err) != metering.NotFound {
			t.Errorf("deleted draft: %v", err)
		}
		if err := invs.DeleteDraft(ctx, "acme-2026-11"); err != nil {
			t.Errorf("deleting what is not there: %v", err)
		}
		invs.SaveDraft(ctx, draft("acme", 300))
		f, err := invs.Finalize(ctx, "acme-2026-11")
		// Numbered from the year it was finalized in.
		if err != nil || f.Status != billing.Final || f.Number != "2027-000001" || !f.FinalizedAt.Equal(time.Date(2027, 1, 2, 3, 0, 0, 0, time.UTC)) || f.Invoice.Total != 300 {
			t.Fatalf("final = %+v, %v", f, err)
		}
		if err := invs.SaveDraft(ctx, draft("acme", 999)); metering.KindOf(err) != metering.Conflict || !errors.Is(err, billing.ErrFinal) {
			t.Errorf("saving over a final invoice: %v", err)
		}
		if err := invs.DeleteDraft(ctx, "acme-2026-11"); !errors.Is(err, billing.ErrFinal) {
			t.Errorf("deleting a final invoice: %v", err)
		}
		if _, err := invs.Finalize(ctx, "acme-2026-11"); metering.KindOf(err) != metering.Conflict || !errors.Is(err, billing.ErrFinal) {
			t.Errorf("finalizing twice: %v", err)
		}
		if got, _ := invs.Get(ctx, "acme-2026-11"); got.Invoice.Total != 300 || got.Number != "2027-000001" {
			t.Errorf("final invoice changed: %+v", got)
		}
		if all, err := invs.List(ctx, "", directory.Page{}); err != nil || len(all) != 1 {
			t.Errorf("list = %+v, %v", all, err)
		}
	})
}

// Finalizing many invoices at once (several API replicas) uses every
// number of the year once, with no gap.
func TestFinalizeConcurrentlyIsGapless(t *testing.T) {
	const n = 24
	var ids []string
	for i := range n {
		ids = append(ids, "c"+string(rune('a'+i)))
	}
	eachInvoiceStore(t, ids, func(t *testing.T, s billing.Store) {
		ctx := context.Background()
		invs := billing.NewInvoices(s, func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) })
		for _, id := range ids {
			if err := invs.SaveDraft(ctx, draft(id, 100)); err != nil {
				t.Fatal(err)
			}
		}
		numbers := make(chan string, n)
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := w; i < n; i += 4 {
					r, err := invs.Finalize(ctx, billing.InvoiceID(ids[i], 2026, time.November))
					if err != nil {
						errs <- err
						return
					}
					numbers <- r.Number
				}
			})
		}
		wg.Wait()
		close(numbers)
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for num := range numbers {
			seen[num] = true
		}
		for i := 1; i <= n; i++ {
			if num := fmt.Sprintf("2026-%06d", i); !seen[num] {
				t.Errorf("number %s not used (used: %d distinct)", num, len(seen))
			}
		}
	})
}

// Credit notes correct final invoices only, are numbered from their own
// sequence, and never give back more than the invoice's total.
func TestCreditNotes(t *testing.T) {
	eachInvoiceStore(t, []string{"acme"}, func(t *testing.T, s billing.Store) {
		ctx := context.Background()
		at := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
		invs := billing.NewInvoices(s, func() time.Time { return at })
		d := draft("acme", 954)
		d.Invoice.Net, d.Invoice.Tax = 802, 152
		if err := invs.SaveDraft(ctx, d); err != nil {
			t.Fatal(err)
		}
		if _, err := invs.CreditNote(ctx, "acme-2026-11", 100, "too early"); metering.KindOf(err) != metering.Conflict {
			t.Errorf("credit note on a draft: %v", err)
		}
		if _, err := invs.Finalize(ctx, "acme-2026-11"); err != nil {
			t.Fatal(err)
		}
		cn1, err := invs.CreditNote(ctx, "acme-2026-11", 100, "wrong storage reading")
		if err != nil || cn1.ID != "acme-2026-11-cn1" || cn1.Number != "CN-2026-000001" || cn1.Kind != billing.KindCreditNote ||
			cn1.Credits != "acme-2026-11" || cn1.Status != billing.Final || cn1.Invoice.Total != -119 || cn1.Customer != "acme" || !cn1.FinalizedAt.Equal(at) {
			t.Fatalf("first note = %+v, %v", cn1, err)
		}
		if got, err := invs.Get(ctx, "acme-2026-11-cn1"); err != nil || got.Number != cn1.Number || got.Invoice.Total != -119 || got.Credits != "acme-2026-11" {
			t.Errorf("stored note = %+v, %v", got, err)
		}
		cn2, err := invs.CreditNote(ctx, "acme-2026-11", 0, "cancelled")
		if err != nil || cn2.ID != "acme-2026-11-cn2" || cn2.Number != "CN-2026-000002" || cn2.Invoice.Total != -835 {
			t.Fatalf("second note = %+v, %v", cn2, err)
		}
		if _, err := invs.CreditNote(ctx, "acme-2026-11", 1, "once more"); metering.KindOf(err) != metering.Conflict || metering.FieldOf(err) != "amount" {
			t.Errorf("over-crediting: %v", err)
		}
		if _, err := invs.Finalize(ctx, "acme-2026-11-cn1"); metering.KindOf(err) != metering.Conflict {
			t.Errorf("finalizing a credit note: %v", err)
		}
		if _, err := invs.CreditNote(ctx, "acme-2026-11-cn1", 1, "a note of a note"); metering.KindOf(err) != metering.Conflict {
			t.Errorf("crediting a credit note: %v", err)
		}
		if _, err := invs.CreditNote(ctx, "nope", 1, "x"); metering.KindOf(err) != metering.NotFound {
			t.Errorf("crediting a missing invoice: %v", err)
		}
		inv, _ := invs.Get(ctx, "acme-2026-11")
		if inv.Number != "2026-000001" || inv.Invoice.Total != 954 {
			t.Errorf("the invoice itself changed: %+v", inv)
		}
		// Nothing is left to credit.
		if cn, err := invs.CreditNote(ctx, "acme-2026-11", 0, "x"); metering.FieldOf(err) != "amount" {
			t.Errorf("nothing left: %+v, %v", cn, err)
		}
		if all, _ := invs.List(ctx, "acme", directory.Page{}); len(all) != 3 {
			t.Errorf("acme's invoices and notes: %d", len(all))
		}
	})
}
