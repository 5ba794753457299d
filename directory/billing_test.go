package directory_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
)

func ref[T any](v T) *T { return &v }

// Billing details are normalized: trimmed text, upper-case country, a
// VAT id without separators.
func TestBillingDetailsNormalize(t *testing.T) {
	got, err := directory.BillingDetails{LegalName: "  Müller & Söhne GmbH ", Address: " Königstraße 1, Hinterhaus ",
		PostalCode: " 10115 ", City: " Berlin", Country: "de", VATID: "de 123.456-789", Email: "rechnung@mueller.example", TaxBP: ref[int64](700)}.Validate()
	if err != nil {
		t.Fatal(err)
	}
	want := directory.BillingDetails{LegalName: "Müller & Söhne GmbH", Address: "Königstraße 1, Hinterhaus", PostalCode: "10115",
		City: "Berlin", Country: "DE", VATID: "DE123456789", Email: "rechnung@mueller.example", TaxBP: ref[int64](700)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("normalized (-want +got):\n%s", diff)
	}
	// Greece's VAT ids start with EL; outside the EU any 4 to 20 letters
	// and digits are a tax id.
	for _, ok := range []directory.BillingDetails{{Country: "GR", VATID: "EL123456789"}, {Country: "CH", VATID: "CHE-123.456.789 MWST"},
		{Country: "JP", VATID: "T1234567890123"}, {}} {
		if _, err := ok.Validate(); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
}

// Each bad field is named.
func TestBillingDetailsRejects(t *testing.T) {
	for _, tt := range []struct {
		in    directory.BillingDetails
		field string
	}{
		{directory.BillingDetails{Country: "Germany"}, "country"},
		{directory.BillingDetails{Country: "XX"}, "country"},
		{directory.BillingDetails{Country: "FR", VATID: "DE123456789"}, "vat_id"},
		{directory.BillingDetails{Country: "GR", VATID: "GR123456789"}, "vat_id"},
		{directory.BillingDetails{VATID: "AB"}, "vat_id"},
		{directory.BillingDetails{VATID: "DE12345678@"}, "vat_id"},
		{directory.BillingDetails{Email: "Billing <b@example.com>"}, "billing_email"},
		{directory.BillingDetails{Email: "not an address"}, "billing_email"},
		{directory.BillingDetails{TaxBP: ref[int64](-1)}, "tax_bp"},
		{directory.BillingDetails{TaxBP: ref[int64](10001)}, "tax_bp"},
		{directory.BillingDetails{LegalName: strings.Repeat("x", 201)}, "legal_name"},
		{directory.BillingDetails{City: "Ber\x00lin"}, "city"},
		{directory.BillingDetails{Address: "Königstraße 1\nHinterhaus"}, "address"}, // one line, like every text input
		{directory.BillingDetails{LegalName: "Acme\rGmbH"}, "legal_name"},
		{directory.BillingDetails{VATID: "DE123\x00456789"}, "vat_id"},
	} {
		_, err := tt.in.Validate()
		if metering.KindOf(err) != metering.Invalid || metering.FieldOf(err) != tt.field {
			t.Errorf("%+v: %v, want invalid %s", tt.in, err, tt.field)
		}
	}
}

// The import reads a new customer's billing details from its columns.
func TestImportBillingColumns(t *testing.T) {
	csv := "address,customer,customer_name,legal_name,customer_address,postal_code,city,country,vat_id,billing_email,tax_bp\n" +
		"a@x.example,x,X,Ètoile SARL,1 rue de la Paix,75002,Paris,fr,FR12345678901,factures@x.example,0\n" +
		"b@y.example,y,Y,,,,,,,,seven\n" +
		"c@z.example,z,Z,,,,,FR,DE123,,\n"
	rows, bad, err := directory.ParseCSV(strings.NewReader(csv), t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || len(bad) != 2 || metering.FieldOf(bad[0].Err) != "tax_bp" || metering.FieldOf(bad[1].Err) != "vat_id" {
		t.Fatalf("rows %+v, rejected %+v", rows, bad)
	}
	want := directory.BillingDetails{LegalName: "Ètoile SARL", Address: "1 rue de la Paix", PostalCode: "75002", City: "Paris",
		Country: "FR", VATID: "FR12345678901", Email: "factures@x.example", TaxBP: ref[int64](0)}
	if diff := cmp.Diff(want, rows[0].Customer.Billing); diff != "" {
		t.Errorf("billing (-want +got):\n%s", diff)
	}
}
