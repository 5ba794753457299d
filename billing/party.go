package billing

import (
	"errors"
	"fmt"
	"math/big"
	"net/mail"
	"strings"

	"github.com/mailmeter/mailmeter/directory"
)

// Party is who an invoice is from (the seller) or to (the buyer), as
// printed on it.
type Party struct {
	Name         string // legal name
	Address      string // street lines, "\n" between them
	PostalCode   string
	City         string
	Country      string // ISO 3166-1 alpha-2
	VATID        string
	Registration string // company registration, e.g. "HRB 12345, Amtsgericht Berlin"
	Email        string
}

// Seller is the operator that bills: its party, where it is paid and on
// what terms.
type Seller struct {
	Party
	BankName string
	IBAN     string
	BIC      string
	// PaymentTermsDays after the issue date an invoice is due.
	PaymentTermsDays int
	// Footer is printed at the foot of every page (e.g. managing
	// directors, court of registration).
	Footer string
}

// Validate normalizes a configured seller (upper-case country, a VAT id
// and IBAN without separators) or returns the problems, each naming its
// key (name, country, vat_id, email, iban, bic, payment_terms_days). The
// zero Seller (none configured) is valid: invoices then carry no seller.
func (s Seller) Validate() (Seller, error) {
	if s == (Seller{}) {
		return s, nil
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	s.Name, s.Address = strings.TrimSpace(s.Name), strings.TrimSpace(s.Address)
	if s.Name == "" {
		bad("name: the seller's legal name is required")
	}
	if c, err := directory.NormalizeCountry("country", s.Country); err != nil {
		bad("country: %q: want an ISO 3166-1 alpha-2 code such as DE", s.Country)
	} else {
		s.Country = c
	}
	if v, err := directory.NormalizeVATID("vat_id", s.VATID, s.Country); err != nil {
		bad("vat_id: %v", err)
	} else {
		s.VATID = v
	}
	if s.Email != "" {
		if a, err := mail.ParseAddress(s.Email); err != nil || a.Address != s.Email {
			bad("email: %q: want a bare address such as billing@example.com", s.Email)
		}
	}
	s.IBAN = strings.ToUpper(strings.ReplaceAll(s.IBAN, " ", ""))
	if s.IBAN != "" && !validIBAN(s.IBAN) {
		bad("iban: %q: not a valid IBAN (country, check digits, account)", s.IBAN)
	}
	s.BIC = strings.ToUpper(strings.TrimSpace(s.BIC))
	if s.BIC != "" && (len(s.BIC) != 8 && len(s.BIC) != 11 || strings.Trim(s.BIC, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "") {
		bad("bic: %q: want 8 or 11 letters and digits", s.BIC)
	}
	if s.PaymentTermsDays < 0 || s.PaymentTermsDays > 365 {
		bad("payment_terms_days: %d: want 0 to 365", s.PaymentTermsDays)
	}
	return s, errors.Join(errs...)
}

// validIBAN checks an IBAN's form and its ISO 7064 mod-97 check digits.
func validIBAN(iban string) bool {
	if len(iban) < 15 || len(iban) > 34 || strings.Trim(iban, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" ||
		strings.Trim(iban[:2], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return false
	}
	var digits strings.Builder
	for _, r := range iban[4:] + iban[:4] {
		if r >= 'A' {
			fmt.Fprint(&digits, int(r-'A')+10)
		} else {
			digits.WriteRune(r)
		}
	}
	n, _ := new(big.Int).SetString(digits.String(), 10)
	return new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// buyerOf is the party a customer's invoices go to: its billing details,
// named by its legal name or else its name.
func buyerOf(c directory.Customer) Party {
	b := c.Billing
	name := b.LegalName
	if name == "" {
		name = c.Name
	}
	return Party{Name: name, Address: b.Address, PostalCode: b.PostalCode, City: b.City, Country: b.Country, VATID: b.VATID, Email: b.Email}
}
