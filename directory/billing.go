package directory

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/mailmeter/mailmeter/metering"
)

// BillingDetails are what a customer's invoices name and address it by.
// Every field is optional: an invoice without a legal name uses the
// customer's name.
type BillingDetails struct {
	LegalName  string
	Address    string // street lines, "\n" between them
	PostalCode string
	City       string
	Country    string // ISO 3166-1 alpha-2, upper case
	VATID      string // normalized (NormalizeVATID)
	Email      string // where invoices are sent
	// TaxBP overrides the tax rate of the customer's plan (basis points,
	// 1900 = 19 %); nil = the plan's rate.
	TaxBP *int64
}

// Validate normalizes the details (trimmed text, upper-case country, a
// normalized VAT id) or returns an Invalid error naming the field at
// fault: legal_name, address, postal_code, city, country, vat_id,
// billing_email or tax_bp.
func (b BillingDetails) Validate() (BillingDetails, error) {
	out := BillingDetails{LegalName: strings.TrimSpace(b.LegalName), Address: strings.TrimSpace(b.Address),
		PostalCode: strings.TrimSpace(b.PostalCode), City: strings.TrimSpace(b.City), TaxBP: b.TaxBP}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"legal_name", out.LegalName, 200}, {"address", out.Address, 500}, {"postal_code", out.PostalCode, 20}, {"city", out.City, 100},
		{"country", b.Country, 100}, {"vat_id", b.VATID, 100}, {"billing_email", b.Email, 254}} {
		if utf8.RuneCountInString(f.v) > f.max {
			return out, metering.FieldError(f.name, "%s is longer than %d characters", f.name, f.max)
		}
		// One line, like every text input: no line break or other control.
		if err := metering.CheckText(f.name, f.v); err != nil {
			return out, err
		}
	}
	if strings.TrimSpace(b.Country) != "" {
		c, err := NormalizeCountry("country", b.Country)
		if err != nil {
			return out, err
		}
		out.Country = c
	}
	v, err := NormalizeVATID("vat_id", b.VATID, out.Country)
	if err != nil {
		return out, err
	}
	out.VATID = v
	if e := strings.TrimSpace(b.Email); e != "" {
		a, err := mail.ParseAddress(e)
		if err != nil || a.Address != e || len(e) > 254 {
			return out, metering.FieldError("billing_email", "billing e-mail %q: want a bare address such as billing@example.com", e)
		}
		out.Email = e
	}
	if b.TaxBP != nil && (*b.TaxBP < 0 || *b.TaxBP > 10000) {
		return out, metering.FieldError("tax_bp", "tax_bp %d: want basis points from 0 to 10000 (1900 = 19 %%)", *b.TaxBP)
	}
	return out, nil
}
