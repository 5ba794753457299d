package billing

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/mailmeter/mailmeter/metering"
)

// UBL 2.1 namespaces, and the EN 16931 specification (Peppol BIS Billing
// 3.0) a document follows.
const (
	ublInvoiceNS    = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
	ublCreditNoteNS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
	ublCACNS        = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
	ublCBCNS        = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
	// PeppolCustomizationID is BT-24: EN 16931, Peppol BIS Billing 3.0.
	PeppolCustomizationID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
	// PeppolProfileID is BT-23: the billing process.
	PeppolProfileID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
)

// WriteUBL writes a final invoice as a UBL 2.1 Invoice, or a credit note
// as a UBL 2.1 CreditNote, following EN 16931 (Peppol BIS Billing 3.0):
// number, dates, currency, seller and buyer, lines, the SLA credit as a
// document-level allowance, the VAT breakdown and the totals. It returns
// Conflict for a draft, an estimate, or a document lacking what EN 16931
// requires (the seller's name, country and VAT id, the buyer's country).
func WriteUBL(w io.Writer, r Record) error {
	doc, err := ublOf(r)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("invoice %s: ubl: %w", r.ID, err)
	}
	_, err = io.WriteString(w, "\n")
	return err
}

// ublMissing says what an invoice lacks to be an e-invoice ("" = nothing).
func ublMissing(r Record) string {
	inv := r.Invoice
	switch {
	case r.Status != Final || r.Number == "":
		return "is not final: e-invoices are made of final, numbered invoices"
	case inv.Seller.Name == "" || inv.Seller.Country == "" || inv.Seller.VATID == "":
		return "carries no seller name, country and VAT id (BT-27, BT-40, BT-31): set billing.seller before invoices are computed"
	case inv.Buyer.Name == "" || inv.Buyer.Country == "":
		return "carries no buyer country (BT-55): set the customer's country before its invoices are computed"
	}
	return ""
}

func ublOf(r Record) (*ublDocument, error) {
	if why := ublMissing(r); why != "" {
		return nil, metering.Errorf(metering.Conflict, "%s %s %s", strings.ReplaceAll(r.Kind, "_", " "), r.ID, why)
	}
	inv := r.Invoice
	cur, cat := inv.Currency, ublCategoryOf(inv.Rate())
	d, sign := ublHeader(r)
	var lines, allowances Money
	for _, l := range inv.Lines {
		amount := sign * l.Amount
		if l.Kind == LineCredit {
			d.Allowances = append(d.Allowances, ublAllowance{Charge: false, Reason: l.Description, Amount: ublAmountOf(-amount, cur), TaxCategory: ublClassified(cat)})
			allowances += -amount
			continue
		}
		d.addLine(l, amount, cur, cat)
		lines += amount
	}
	net, tax, total := sign*inv.Net, sign*inv.Tax, sign*inv.Total
	if lines-allowances != net || net+tax != total {
		return nil, fmt.Errorf("invoice %s: lines %s less allowances %s are not the net %s, or net and tax not the total %s", r.ID, lines, allowances, net, total)
	}
	d.TaxTotal = ublTaxTotal{Amount: ublAmountOf(tax, cur), Subtotal: ublTaxSubtotal{Taxable: ublAmountOf(net, cur), Amount: ublAmountOf(tax, cur), Category: cat}}
	d.Totals = ublTotals{LineExtension: ublAmountOf(lines, cur), TaxExclusive: ublAmountOf(net, cur), TaxInclusive: ublAmountOf(total, cur),
		Payable: ublAmountOf(total, cur)}
	if len(d.Allowances) > 0 {
		a := ublAmountOf(allowances, cur)
		d.Totals.AllowanceTotal = &a
	}
	return d, nil
}

// ublHeader is a document's header: an Invoice, or a CreditNote (whose
// amounts are positive in UBL: sign -1) referring to the invoice it
// corrects.
func ublHeader(r Record) (*ublDocument, Money) {
	inv := r.Invoice
	d := &ublDocument{XMLName: xml.Name{Local: "Invoice"}, NS: ublInvoiceNS, CAC: ublCACNS, CBC: ublCBCNS,
		CustomizationID: PeppolCustomizationID, ProfileID: PeppolProfileID, ID: r.Number,
		IssueDate: r.IssueDate().Format(dateFormat), DueDate: r.DueDate().Format(dateFormat), InvoiceTypeCode: "380",
		DocumentCurrencyCode: inv.Currency, BuyerReference: r.Customer,
		Supplier: ublPartyOf(inv.Seller.Party), Customer: ublPartyOf(inv.Buyer)}
	if !inv.Period.From.IsZero() {
		d.InvoicePeriod = &ublPeriod{Start: inv.Period.From.Format(dateFormat), End: inv.Period.To.AddDate(0, 0, -1).Format(dateFormat)}
	}
	if r.Kind != KindCreditNote {
		d.Notes = append(d.Notes, ServiceLevelOf(inv).Sentence())
		d.PaymentMeans, d.PaymentTerms = ublPayment(r)
		return d, 1
	}
	d.XMLName.Local, d.NS, d.DueDate, d.InvoiceTypeCode, d.CreditNoteTypeCode = "CreditNote", ublCreditNoteNS, "", "", "381"
	ref := ublDocRef{ID: inv.Preceding.Number}
	if !inv.Preceding.IssueDate.IsZero() {
		ref.IssueDate = inv.Preceding.IssueDate.Format(dateFormat)
	}
	d.BillingReference = &ublBillingRef{Invoice: ref}
	return d, -1
}

// addLine adds an invoice or credit note line: one unit at the line's
// amount (a negative amount is minus one unit: prices are never negative).
func (d *ublDocument) addLine(l Line, amount Money, cur string, cat ublCategory) {
	qty := ublQuantity{Unit: "C62", Value: "1"}
	price := amount
	if amount < 0 {
		qty.Value, price = "-1", -amount
	}
	line := ublLine{ID: fmt.Sprint(len(d.InvoiceLines) + len(d.CreditNoteLines) + 1), Amount: ublAmountOf(amount, cur),
		Item:  ublItem{Description: l.Description, Name: itemName(l.Kind), Tax: ublClassified(cat)},
		Price: ublPrice{Amount: ublAmountOf(price, cur)}}
	if d.XMLName.Local == "CreditNote" {
		line.Credited = &qty
		d.CreditNoteLines = append(d.CreditNoteLines, line)
	} else {
		line.Invoiced = &qty
		d.InvoiceLines = append(d.InvoiceLines, line)
	}
}

func itemName(kind string) string {
	switch kind {
	case LineFee:
		return "Mailbox"
	case LineStorage:
		return "Storage over the included"
	case LineTransfer:
		return "Transfer over the included"
	case LineCreditNote:
		return "Credit"
	}
	return kind
}

// ublPayment is how a final invoice is paid: by SEPA credit transfer to
// the seller's IBAN, quoting its number, within the payment terms.
func ublPayment(r Record) (*ublPaymentMeans, *ublTerms) {
	s := r.Invoice.Seller
	terms := &ublTerms{Note: fmt.Sprintf("Payable within %d days, by %s.", s.PaymentTermsDays, r.DueDate().Format(dateFormat))}
	if s.IBAN == "" {
		return nil, terms
	}
	pm := &ublPaymentMeans{Code: "58", PaymentID: r.Number, Account: ublAccount{ID: s.IBAN, Name: s.Name}}
	if s.BIC != "" {
		pm.Account.Branch = &ublID{ID: s.BIC}
	}
	return pm, terms
}

func ublCategoryOf(t TaxRate) ublCategory {
	c := ublCategory{ID: t.Category, Percent: bp(t.BasisPoints), Scheme: ublID{ID: "VAT"}}
	if t.Category == TaxReverseCharge {
		c.ExemptionCode, c.Exemption = "VATEX-EU-AE", "Reverse charge"
	}
	return c
}

func ublClassified(c ublCategory) ublCategory {
	return ublCategory{ID: c.ID, Percent: c.Percent, Scheme: c.Scheme}
}

func ublPartyOf(p Party) ublPartyWrap {
	u := ublParty{Address: ublAddress{Country: ublCountry{Code: p.Country}}, Legal: ublLegal{Name: p.Name, CompanyID: p.Registration}}
	if p.Email != "" {
		u.Endpoint = &ublEndpoint{Scheme: "EM", ID: p.Email}
		u.Contact = &ublContact{Email: p.Email}
	}
	lines := strings.Split(p.Address, "\n")
	if p.Address != "" {
		u.Address.Street = lines[0]
	}
	if len(lines) > 1 {
		u.Address.Additional = lines[1]
	}
	for _, l := range lines[min(2, len(lines)):] {
		u.Address.Lines = append(u.Address.Lines, ublLineText{Line: l})
	}
	u.Address.City, u.Address.PostalZone = p.City, p.PostalCode
	if p.VATID != "" {
		u.Tax = &ublPartyTax{CompanyID: p.VATID, Scheme: ublID{ID: "VAT"}}
	}
	return ublPartyWrap{Party: u}
}

func ublAmountOf(m Money, currency string) ublAmount {
	return ublAmount{Currency: currency, Value: FormatMoney(m, currency)}
}
