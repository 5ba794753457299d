package billing_test

import (
	"bytes"
	"encoding/xml"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/metering"
)

// The tags below name each element's namespace: no path tags (a>b),
// whose namespace encoding/xml checks at every level.

// amount is a UBL amount read back.
type amount struct {
	Currency string `xml:"currencyID,attr"`
	Value    string `xml:",chardata"`
}

func (a amount) rat(t *testing.T) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(a.Value)
	if !ok || strings.Count(a.Value, ".") > 1 || len(a.Value) > 3 && strings.Contains(a.Value, ".") && len(a.Value)-strings.Index(a.Value, ".") > 3 {
		t.Fatalf("amount %q: not a decimal with at most 2 places", a.Value)
	}
	return r
}

type party struct {
	Endpoint string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 EndpointID"`
	Address  struct {
		City    string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 CityName"`
		Country struct {
			Code string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 IdentificationCode"`
		} `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 Country"`
	} `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 PostalAddress"`
	Tax struct {
		CompanyID string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 CompanyID"`
	} `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 PartyTaxScheme"`
	Legal struct {
		Name string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 RegistrationName"`
	} `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 PartyLegalEntity"`
}

type category struct {
	ID            string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 ID"`
	Percent       string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 Percent"`
	ExemptionCode string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 TaxExemptionReasonCode"`
}

// ublDoc reads back, namespace-aware, the business terms the test checks.
type ublDoc struct {
	XMLName        xml.Name
	Customization  string   `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 CustomizationID"`
	Number         string   `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 ID"`              // BT-1
	IssueDate      string   `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 IssueDate"`       // BT-2
	DueDate        string   `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 DueDate"`         // BT-9
	TypeCode       string   `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 InvoiceTypeCode"` // BT-3
	CreditTypeCode string   `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 CreditNoteTypeCode"`
	Currency       string   `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 DocumentCurrencyCode"` // BT-5
	BuyerReference string   `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 BuyerReference"`
	Notes          []string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 Note"`
	Period         struct {
		Start string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 StartDate"`
		End   string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 EndDate"`
	} `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 InvoicePeriod"`
	Preceding struct {
		Ref struct {
			ID string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 ID"`
		} `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 InvoiceDocumentReference"`
	} `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 BillingReference"`
	Seller       party `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 AccountingSupplierParty>Party"`
	Buyer        party `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 AccountingCustomerParty>Party"`
	PaymentMeans struct {
		Code    string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 PaymentMeansCode"`
		Account struct {
			ID string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 ID"`
		} `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 PayeeFinancialAccount"`
	} `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 PaymentMeans"`
	Allowances []struct {
		Charge string   `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 ChargeIndicator"`
		Reason string   `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 AllowanceChargeReason"`
		Amount amount   `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 Amount"`
		Cat    category `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 TaxCategory"`
	} `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 AllowanceCharge"`
	TaxTotals []struct {
		Amount    amount `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 TaxAmount"`
		Subtotals []struct {
			Taxable amount   `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 TaxableAmount"`
			Amount  amount   `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 TaxAmount"`
			Cat     category `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 TaxCategory"`
		} `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 TaxSubtotal"`
	} `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 TaxTotal"`
	Totals struct {
		LineExtension  amount  `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 LineExtensionAmount"`   // BT-106
		AllowanceTotal *amount `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 AllowanceTotalAmount"`  // BT-107
		ChargeTotal    *amount `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 ChargeTotalAmount"`     // BT-108
		TaxExclusive   amount  `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 TaxExclusiveAmount"`    // BT-109
		TaxInclusive   amount  `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 TaxInclusiveAmount"`    // BT-112
		Prepaid        *amount `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 PrepaidAmount"`         // BT-113
		Rounding       *amount `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 PayableRoundingAmount"` // BT-114
		Payable        amount  `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 PayableAmount"`         // BT-115
	} `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 LegalMonetaryTotal"`
	Lines []ublLineBack `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 InvoiceLine"`
	CNs   []ublLineBack `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 CreditNoteLine"`
}

type ublLineBack struct {
	ID     string   `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 ID"`
	Amount amount   `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 LineExtensionAmount"`
	Name   string   `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 Item>Name"`
	Desc   string   `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 Item>Description"`
	Cat    category `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 Item>ClassifiedTaxCategory"`
	Price  struct {
		Amount amount `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 PriceAmount"`
	} `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 Price"`
	Quantity string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 InvoicedQuantity"`
	Credited string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 CreditedQuantity"`
}

func readUBL(t *testing.T, r billing.Record) (ublDoc, string) {
	t.Helper()
	var b bytes.Buffer
	if err := billing.WriteUBL(&b, r); err != nil {
		t.Fatal(err)
	}
	var d ublDoc
	if err := xml.Unmarshal(b.Bytes(), &d); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	return d, b.String()
}

// checkSums holds the EN 16931 sum rules BR-CO-10 to BR-CO-16 on a
// document read back, and returns its totals.
func checkSums(t *testing.T, d ublDoc) {
	t.Helper()
	sum := func(xs ...*big.Rat) *big.Rat {
		s := new(big.Rat)
		for _, x := range xs {
			s.Add(s, x)
		}
		return s
	}
	zero := func(a *amount) *big.Rat {
		if a == nil {
			return new(big.Rat)
		}
		return a.rat(t)
	}
	tot := d.Totals
	var lines, allowances, taxes []*big.Rat
	for _, l := range append(d.Lines, d.CNs...) {
		lines = append(lines, l.Amount.rat(t))
	}
	for _, a := range d.Allowances {
		if a.Charge != "false" {
			t.Errorf("a charge: %+v", a)
		}
		allowances = append(allowances, a.Amount.rat(t))
	}
	for _, tt := range d.TaxTotals {
		taxes = append(taxes, tt.Amount.rat(t))
	}
	eq := func(rule string, got, want *big.Rat) {
		if got.Cmp(want) != 0 {
			t.Errorf("%s: %s, want %s", rule, got.FloatString(2), want.FloatString(2))
		}
	}
	eq("BR-CO-10 BT-106 = Σ BT-131", tot.LineExtension.rat(t), sum(lines...))
	eq("BR-CO-11 BT-107 = Σ BT-92", zero(tot.AllowanceTotal), sum(allowances...))
	eq("BR-CO-12 BT-108 = Σ BT-99", zero(tot.ChargeTotal), new(big.Rat))
	eq("BR-CO-13 BT-109 = BT-106 − BT-107 + BT-108", tot.TaxExclusive.rat(t),
		new(big.Rat).Add(new(big.Rat).Sub(tot.LineExtension.rat(t), zero(tot.AllowanceTotal)), zero(tot.ChargeTotal)))
	var subtotals []*big.Rat
	for _, tt := range d.TaxTotals {
		for _, s := range tt.Subtotals {
			subtotals = append(subtotals, s.Amount.rat(t))
		}
	}
	eq("BR-CO-14 BT-110 = Σ BT-117", sum(taxes...), sum(subtotals...))
	eq("BR-CO-15 BT-112 = BT-109 + BT-110", tot.TaxInclusive.rat(t), new(big.Rat).Add(tot.TaxExclusive.rat(t), sum(taxes...)))
	eq("BR-CO-16 BT-115 = BT-112 − BT-113 + BT-114", tot.Payable.rat(t),
		new(big.Rat).Add(new(big.Rat).Sub(tot.TaxInclusive.rat(t), zero(tot.Prepaid)), zero(tot.Rounding)))
}

// A final invoice is a UBL 2.1 Invoice with every mandatory business term
// of EN 16931, the SLA credit as a document-level allowance, and totals
// that keep the sum rules.
func TestWriteUBLInvoice(t *testing.T) {
	r := record(3, false)
	d, raw := readUBL(t, r)
	if d.XMLName.Space != "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" || d.XMLName.Local != "Invoice" {
		t.Fatalf("root %v", d.XMLName)
	}
	for _, f := range []struct{ bt, got, want string }{
		{"BT-24", d.Customization, billing.PeppolCustomizationID},
		{"BT-1", d.Number, "2026-000001"}, {"BT-2", d.IssueDate, "2026-12-01"}, {"BT-3", d.TypeCode, "380"},
		{"BT-5", d.Currency, "EUR"}, {"BT-9", d.DueDate, "2026-12-15"}, {"BT-10", d.BuyerReference, "acme"},
		{"BT-73", d.Period.Start, "2026-11-01"}, {"BT-74", d.Period.End, "2026-11-30"},
		{"BT-27", d.Seller.Legal.Name, "Mailmeter Hosting GmbH"}, {"BT-31", d.Seller.Tax.CompanyID, "DE123456789"}, {"BT-40", d.Seller.Address.Country.Code, "DE"},
		{"BT-34", d.Seller.Endpoint, "billing@mailmeter.example"}, {"BT-37", d.Seller.Address.City, "Berlin"},
		{"BT-44", d.Buyer.Legal.Name, buyerName}, {"BT-48", d.Buyer.Tax.CompanyID, "FR40303265045"}, {"BT-55", d.Buyer.Address.Country.Code, "FR"},
		{"BT-81", d.PaymentMeans.Code, "58"}, {"BT-84", d.PaymentMeans.Account.ID, "DE89370400440532013000"},
		{"BT-106", d.Totals.LineExtension.Value, "30.42"}, {"BT-107", d.Totals.AllowanceTotal.Value, "4.50"},
		{"BT-109", d.Totals.TaxExclusive.Value, "25.92"}, {"BT-110", d.TaxTotals[0].Amount.Value, "4.92"},
		{"BT-112", d.Totals.TaxInclusive.Value, "30.84"}, {"BT-115", d.Totals.Payable.Value, "30.84"},
		{"BT-118", d.TaxTotals[0].Subtotals[0].Cat.ID, "S"}, {"BT-119", d.TaxTotals[0].Subtotals[0].Cat.Percent, "19.00"},
		{"BT-97", d.Allowances[0].Reason, "SLA credit 15.00% of the fees"}, {"currency", d.Totals.Payable.Currency, "EUR"},
	} {
		if f.got != f.want {
			t.Errorf("%s = %q, want %q", f.bt, f.got, f.want)
		}
	}
	if len(d.Lines) != 12 || d.Lines[0].ID != "1" || d.Lines[0].Name != "Mailbox" || d.Lines[0].Price.Amount.Value != "5.00" || d.Lines[0].Quantity != "1" ||
		d.Lines[1].Desc != "Storage of user000@acme.example over the included: 0.700 GB-month" || d.Lines[0].Cat.ID != "S" {
		t.Errorf("lines: %+v", d.Lines)
	}
	if len(d.Notes) != 1 || !strings.Contains(d.Notes[0], "availability 99.800% (9980 of 10000 probe checks)") {
		t.Errorf("the SLA evidence note: %q", d.Notes)
	}
	checkSums(t, d)
	if t.Failed() {
		t.Log(raw)
	}
}

// A reverse-charged invoice is in category AE at 0 % with the exemption
// reason; the sum rules hold on many lines.
func TestWriteUBLReverseCharge(t *testing.T) {
	d, _ := readUBL(t, record(150, true))
	sub := d.TaxTotals[0].Subtotals[0]
	if sub.Cat.ID != "AE" || sub.Cat.Percent != "0.00" || sub.Cat.ExemptionCode != "VATEX-EU-AE" || sub.Amount.Value != "0.00" || d.Lines[0].Cat.ID != "AE" {
		t.Errorf("reverse charge: %+v, line %+v", sub, d.Lines[0].Cat)
	}
	if len(d.Lines) != 600 {
		t.Errorf("%d lines", len(d.Lines))
	}
	checkSums(t, d)
}

// A credit note is a UBL CreditNote (type 381) with positive amounts,
// referring to the invoice it corrects.
func TestWriteUBLCreditNote(t *testing.T) {
	inv := record(2, false)
	note, err := billing.CreditNote(inv.Invoice, 1000, "Goodwill", 0)
	if err != nil {
		t.Fatal(err)
	}
	note.Preceding = billing.Reference{Number: inv.Number, IssueDate: inv.IssueDate()}
	cn := billing.Record{ID: "acme-2026-11-cn1", Kind: billing.KindCreditNote, Credits: inv.ID, Customer: "acme", Status: billing.Final,
		Number: "CN-2026-000001", Invoice: note, FinalizedAt: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)}
	d, raw := readUBL(t, cn)
	if d.XMLName.Local != "CreditNote" || d.XMLName.Space != "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2" || d.CreditTypeCode != "381" ||
		d.Number != "CN-2026-000001" || d.Preceding.Ref.ID != "2026-000001" || d.DueDate != "" || len(d.CNs) != 1 || d.CNs[0].Credited != "1" ||
		d.CNs[0].Amount.Value != "10.00" || d.Totals.Payable.Value != "11.90" || d.TaxTotals[0].Amount.Value != "1.90" {
		t.Errorf("credit note:\n%s", raw)
	}
	checkSums(t, d)
}

// Drafts, estimates and invoices without the seller or the buyer's
// country are no e-invoices: Conflict, saying what is missing.
func TestWriteUBLRefuses(t *testing.T) {
	draft := record(1, false)
	draft.Status, draft.Number, draft.FinalizedAt = billing.Draft, "", time.Time{}
	noSeller := record(1, false)
	noSeller.Invoice.Seller = billing.Seller{}
	noCountry := record(1, false)
	noCountry.Invoice.Buyer.Country = ""
	for _, tt := range []struct {
		r    billing.Record
		want string
	}{{draft, "is not final"}, {noSeller, "billing.seller"}, {noCountry, "buyer country (BT-55)"}} {
		err := billing.WriteUBL(&bytes.Buffer{}, tt.r)
		if metering.KindOf(err) != metering.Conflict || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v, want a conflict naming %q", err, tt.want)
		}
	}
}
