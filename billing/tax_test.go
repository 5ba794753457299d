package billing_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/billing"
)

// seller is a German operator, as a configuration gives it.
func seller() billing.Seller {
	return billing.Seller{Party: billing.Party{Name: "Mailmeter Hosting GmbH", Address: "Friedrichstraße 1", PostalCode: "10117", City: "Berlin",
		Country: "DE", VATID: "DE123456789", Registration: "HRB 999999 B, Amtsgericht Charlottenburg", Email: "billing@mailmeter.example"},
		BankName: "Berliner Bank", IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX", PaymentTermsDays: 14, Footer: "Geschäftsführer: Erika Mustermann"}
}

// Hand-computed: two mailboxes all of November at 5.00 and 120 GB of
// storage over the included (0.10 per GB-month, from alice's 121 GB) make
// a net of 10.00 + 12.00 = 22.00. A French business with a VAT id is
// reverse charged: 0 % tax, total 22.00, the legally required note on
// the invoice. The same customer without a VAT id is a consumer: the
// plan's 19 %, 4.18, total 26.18. A German business pays German VAT (no
// reverse charge at home); a customer's override (7 %: 1.54) applies
// unless the invoice is reverse charged; a Swiss business (outside the
// EU) pays the plan's rate; no reverse charge without the seller's VAT id.
func TestReverseChargeHandComputed(t *testing.T) {
	nov := billing.Month(2026, time.November, time.UTC)
	from := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	days := len(nov.Days())
	seven := int64(700)
	in := func(s billing.Seller, buyer billing.Party, override *int64) billing.Input {
		p := plan()
		p.SLA = billing.SLA{}
		return billing.Input{Customer: "cust", Plan: p, Period: nov, Seller: s, Buyer: buyer, TaxOverride: override,
			Mailboxes: []billing.MailboxUsage{
				{Mailbox: "alice@cust.example", Active: []billing.Interval{{From: from}}, DailyPeakBytes: peaks(days, func(int) int64 { return 121 * billing.GB })},
				{Mailbox: "bob@cust.example", Active: []billing.Interval{{From: from}}, DailyPeakBytes: peaks(days, func(int) int64 { return 0 })},
			}}
	}
	french := billing.Party{Name: "Société Générale des Eaux", Country: "FR", VATID: "FR40303265045"}
	consumer := billing.Party{Name: "Jean Dupont", Country: "FR"}
	german := billing.Party{Name: "Bäckerei Schmidt GmbH", Country: "DE", VATID: "DE987654321"}
	swiss := billing.Party{Name: "Zürcher AG", Country: "CH", VATID: "CHE123456789MWST"}
	noVAT := seller()
	noVAT.VATID = ""
	for _, tt := range []struct {
		name        string
		in          billing.Input
		tax, total  billing.Money
		rate        int64
		category    string
		source      string
		reverseNote bool
	}{
		{"EU business abroad", in(seller(), french, nil), 0, 2200, 0, billing.TaxReverseCharge, billing.TaxFromReverseCharge, true},
		{"override yields to reverse charge", in(seller(), french, &seven), 0, 2200, 0, billing.TaxReverseCharge, billing.TaxFromReverseCharge, true},
		{"EU consumer abroad", in(seller(), consumer, nil), 418, 2618, 1900, billing.TaxStandard, billing.TaxFromPlan, false},
		{"business at home", in(seller(), german, nil), 418, 2618, 1900, billing.TaxStandard, billing.TaxFromPlan, false},
		{"customer override", in(seller(), german, &seven), 154, 2354, 700, billing.TaxStandard, billing.TaxFromCustomer, false},
		{"business outside the EU", in(seller(), swiss, nil), 418, 2618, 1900, billing.TaxStandard, billing.TaxFromPlan, false},
		{"seller without a VAT id", in(noVAT, french, nil), 418, 2618, 1900, billing.TaxStandard, billing.TaxFromPlan, false},
		{"no seller configured", in(billing.Seller{}, french, nil), 418, 2618, 1900, billing.TaxStandard, billing.TaxFromPlan, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := billing.Compute(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			r := inv.TaxRate
			if inv.Net != 2200 || inv.Tax != tt.tax || inv.Total != tt.total || r.BasisPoints != tt.rate || r.Category != tt.category || r.Source != tt.source {
				t.Errorf("net %d tax %d total %d rate %+v; want net 2200 tax %d total %d rate %d %s from %s",
					inv.Net, inv.Tax, inv.Total, r, tt.tax, tt.total, tt.rate, tt.category, tt.source)
			}
			if got := strings.Contains(r.Note, "Reverse charge") && strings.Contains(r.Note, "Article 196"); got != tt.reverseNote {
				t.Errorf("reverse-charge note %q, want it: %v", r.Note, tt.reverseNote)
			}
			if inv.Buyer != tt.in.Buyer || inv.Seller != tt.in.Seller {
				t.Errorf("parties not carried: %+v / %+v", inv.Buyer, inv.Seller)
			}
			if got := billing.Text(billing.Record{Invoice: inv}); !strings.Contains(strings.Join(got, "\n"), "Tax "+r.Percent()) {
				t.Errorf("the text does not show the rate %s:\n%s", r.Percent(), strings.Join(got, "\n"))
			}
		})
	}
}

// A configured seller is normalized; each bad key is named.
func TestSellerValidate(t *testing.T) {
	s := seller()
	s.Country, s.VATID, s.IBAN, s.BIC = "de", "DE 123 456 789", "de89 3704 0044 0532 0130 00", "cobadeffxxx"
	got, err := s.Validate()
	if err != nil || got != seller() {
		t.Fatalf("Validate = %+v, %v; want %+v", got, err, seller())
	}
	if got, err := (billing.Seller{}).Validate(); err != nil || got != (billing.Seller{}) {
		t.Errorf("no seller: %+v %v", got, err)
	}
	bad := billing.Seller{Party: billing.Party{Country: "Deutschland", Email: "x"}, IBAN: "DE89370400440532013001", BIC: "ABC", PaymentTermsDays: -1}
	_, err = bad.Validate()
	for _, key := range []string{"name:", "country:", "email:", "iban:", "bic:", "payment_terms_days:"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error %v does not name %s", err, key)
		}
	}
	bad = seller()
	bad.VATID = "FR40303265045"
	if _, err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "vat_id") {
		t.Errorf("a French VAT id for a German seller: %v", err)
	}
}

// The issue date is the finalization's day where the customer is; the due
// date follows by the seller's payment terms; drafts have neither, credit
// notes no due date.
func TestIssueAndDueDates(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	inv := billing.Invoice{Period: billing.Month(2026, time.November, berlin), Seller: seller()}
	r := billing.Record{Kind: billing.KindInvoice, Status: billing.Final, Invoice: inv,
		FinalizedAt: time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC)} // 00:30 on 1 December in Berlin
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	if r.IssueDate() != day(12, 1) || r.DueDate() != day(12, 15) {
		t.Errorf("issued %s, due %s; want 2026-12-01 and 2026-12-15", r.IssueDate(), r.DueDate())
	}
	r.Kind = billing.KindCreditNote
	if !r.DueDate().IsZero() {
		t.Errorf("a credit note is due %s", r.DueDate())
	}
	if d := (billing.Record{Invoice: inv}); !d.IssueDate().IsZero() || !d.DueDate().IsZero() {
		t.Errorf("a draft is dated")
	}
}
