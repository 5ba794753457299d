package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// A customer's billing details survive the database, are changed field
// by field, and its tax override is set and removed; imports give new
// customers theirs.
func TestCustomerBillingDetails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc := directory.NewService(s, clock)
		seven := int64(700)
		in := directory.BillingDetails{LegalName: "Grüne Wiese GmbH · 緑の草原株式会社", Address: "Königstraße 1, Hinterhaus", PostalCode: "10115",
			City: "Berlin", Country: "DE", VATID: "DE123456789", Email: "rechnung@gruen.example", TaxBP: &seven}
		if _, err := svc.AddCustomer(ctx, directory.CustomerInput{ID: "gruen", Name: "Grün", Billing: in}); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetCustomer(ctx, "gruen")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(in, got.Billing); diff != "" {
			t.Errorf("stored (-want +got):\n%s", diff)
		}
		fr, vat := "fr", "FR 123 456 789 01"
		up, err := svc.UpdateCustomer(ctx, "gruen", directory.CustomerPatch{Country: &fr, VATID: &vat, ClearTaxBP: true})
		if err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetCustomer(ctx, "gruen")
		want := in
		want.Country, want.VATID, want.TaxBP = "FR", "FR12345678901", nil
		if diff := cmp.Diff(want, got.Billing); diff != "" || !cmp.Equal(up, got) {
			t.Errorf("after the patch (-want +got):\n%s\nanswered %+v", diff, up)
		}
		// A VAT id that does not fit a new country is refused, naming it.
		de := "DE"
		if _, err := svc.UpdateCustomer(ctx, "gruen", directory.CustomerPatch{Country: &de}); err == nil || !strings.Contains(err.Error(), "FR12345678901") {
			t.Errorf("country DE with a French VAT id: %v", err)
		}
		rows, bad, err := directory.ParseCSV(strings.NewReader("address,customer,legal_name,country,vat_id,tax_bp\nx@imp.example,imp,Import SA,BE,BE0123456789,2100\n"), t0)
		if err != nil || len(bad) != 0 {
			t.Fatal(err, bad)
		}
		if _, err := svc.Import(ctx, rows, nil); err != nil {
			t.Fatal(err)
		}
		imp, _ := s.GetCustomer(ctx, "imp")
		if b := imp.Billing; b.LegalName != "Import SA" || b.Country != "BE" || b.VATID != "BE0123456789" || b.TaxBP == nil || *b.TaxBP != 2100 {
			t.Errorf("imported billing details: %+v", b)
		}
	})
}
