package billing

import (
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// document is what an invoice or credit note prints, whatever the format:
// Text and WritePDF lay the same document out.
type document struct {
	Title    string      // "Invoice", "Credit note"
	Number   string      // "2026-000001", "DRAFT", "ESTIMATE"
	Facts    [][2]string // label and value: dates, period, customer, plan
	Seller   []string    // name first, then address and ids
	Buyer    []string
	Currency string
	Groups   []lineGroup // by mailbox domain, then lines of no mailbox
	Totals   []totalRow
	Notes    []string      // reverse charge, payment, draft or estimate
	Service  *ServiceLevel // the SLA evidence; nil for credit notes
	Footer   string
}

// lineGroup is a domain's lines with their subtotal, or the lines of no
// mailbox (Domain "").
type lineGroup struct {
	Title    string
	Lines    []Line
	Subtotal Money
}

type totalRow struct {
	Label  string
	Amount Money
	Strong bool
}

const dateFormat = "2006-01-02"

// layout decides what a record prints.
func layout(r Record) document {
	inv := r.Invoice
	d := document{Title: "Invoice", Number: r.Number, Currency: inv.Currency, Footer: inv.Seller.Footer}
	switch {
	case r.Kind == KindCreditNote:
		d.Title = "Credit note"
	case r.Status == StatusEstimate:
		d.Number = "ESTIMATE"
	case r.Status == Draft || r.Number == "":
		d.Number = "DRAFT"
	}
	d.Facts = facts(r)
	d.Seller = partyLines(inv.Seller.Party)
	d.Buyer = partyLines(inv.Buyer)
	d.Groups = groups(inv.Lines)
	d.Totals = totals(inv)
	d.Notes = notes(r)
	if r.Kind != KindCreditNote {
		sl := ServiceLevelOf(inv)
		d.Service = &sl
	}
	return d
}

func facts(r Record) [][2]string {
	inv := r.Invoice
	out := [][2]string{{"Number", r.Number}}
	if r.Number == "" {
		out[0][1] = "none until finalized"
	}
	if !r.IssueDate().IsZero() {
		out = append(out, [2]string{"Issue date", r.IssueDate().Format(dateFormat)})
	}
	if !r.DueDate().IsZero() {
		out = append(out, [2]string{"Due date", r.DueDate().Format(dateFormat)})
	}
	if inv.Preceding.Number != "" {
		out = append(out, [2]string{"Corrects invoice", inv.Preceding.Number + " of " + inv.Preceding.IssueDate.Format(dateFormat)})
	}
	out = append(out, [2]string{"Service period", periodText(inv.Period)},
		[2]string{"Customer", r.Customer}, [2]string{"Plan", inv.Plan}, [2]string{"Reference", r.ID})
	return out
}

// periodText is a period's first and last day, in its own time zone.
func periodText(p Period) string {
	if p.From.IsZero() {
		return ""
	}
	return p.From.Format(dateFormat) + " to " + p.To.Add(-time.Nanosecond).Format(dateFormat)
}

// partyLines prints a party: name, street lines, postal code and city,
// country, VAT id, registration, e-mail. None for an empty party.
func partyLines(p Party) []string {
	if p == (Party{}) {
		return nil
	}
	out := []string{p.Name}
	if p.Address != "" {
		out = append(out, strings.Split(p.Address, "\n")...)
	}
	if pc := strings.TrimSpace(p.PostalCode + " " + p.City); pc != "" {
		out = append(out, pc)
	}
	for _, f := range [][2]string{{"", p.Country}, {"VAT ID ", p.VATID}, {"", p.Registration}, {"", p.Email}} {
		if f[1] != "" {
			out = append(out, f[0]+f[1])
		}
	}
	return out
}

// groups gathers an invoice's lines by the domain of their mailbox,
// domains in order and lines in the invoice's order within each, the
// lines of no mailbox last.
func groups(lines []Line) []lineGroup {
	byDomain := map[string]*lineGroup{}
	var other lineGroup
	for _, l := range lines {
		g := &other
		if l.Mailbox != "" {
			dom := l.Mailbox[strings.LastIndexByte(l.Mailbox, '@')+1:]
			if byDomain[dom] == nil {
				byDomain[dom] = &lineGroup{Title: dom}
			}
			g = byDomain[dom]
		}
		g.Lines = append(g.Lines, l)
		g.Subtotal += l.Amount
	}
	out := make([]lineGroup, 0, len(byDomain)+1)
	for _, dom := range slices.Sorted(maps.Keys(byDomain)) {
		out = append(out, *byDomain[dom])
	}
	if len(other.Lines) > 0 {
		out = append(out, other)
	}
	return out
}

// groupHeading is a group's title line: the domain and its mailboxes.
func groupHeading(g lineGroup) string {
	if g.Title == "" {
		switch g.Lines[0].Kind {
		case LineCreditNote:
			return "Credit"
		case LineCredit:
			return "Service level credit"
		}
		return "Customer charges"
	}
	seen := map[string]bool{}
	for _, l := range g.Lines {
		seen[l.Mailbox] = true
	}
	noun := "mailboxes"
	if len(seen) == 1 {
		noun = "mailbox"
	}
	return fmt.Sprintf("%s (%d %s)", g.Title, len(seen), noun)
}

func totals(inv Invoice) []totalRow {
	out := []totalRow{{Label: "Subtotal", Amount: inv.Subtotal}}
	if inv.Credit != 0 {
		out = append(out, totalRow{Label: "SLA credit", Amount: -inv.Credit})
	}
	return append(out, totalRow{Label: "Net", Amount: inv.Net},
		totalRow{Label: "Tax " + inv.Rate().Percent(), Amount: inv.Tax},
		totalRow{Label: "Total " + inv.Currency, Amount: inv.Total, Strong: true})
}

// notes are printed under the totals: the tax note, how to pay, and what
// a draft or estimate is not.
func notes(r Record) []string {
	inv := r.Invoice
	var out []string
	if n := inv.Rate().Note; n != "" {
		out = append(out, n)
	}
	s := inv.Seller
	switch {
	case r.Status == StatusEstimate:
		out = append(out, "Estimate of the month so far, computed "+r.ComputedAt.UTC().Format("2006-01-02 15:04 MST")+
			": mailboxes are charged as if they stay to the end of the month. Not an invoice.")
	case r.Status == Draft:
		out = append(out, "Draft: not an invoice until it is finalized and numbered.")
	case r.Kind == KindCreditNote:
		out = append(out, fmt.Sprintf("This credit note reduces invoice %s by %s %s.", inv.Preceding.Number, inv.Currency, FormatMoney(-inv.Total, inv.Currency)))
	case s.IBAN != "":
		pay := fmt.Sprintf("Please transfer %s %s by %s to IBAN %s", inv.Currency, FormatMoney(inv.Total, inv.Currency), r.DueDate().Format(dateFormat), s.IBAN)
		if s.BIC != "" {
			pay += ", BIC " + s.BIC
		}
		if s.BankName != "" {
			pay += " (" + s.BankName + ")"
		}
		out = append(out, pay+", quoting "+r.Number+".")
	}
	return out
}

// Text returns the invoice's printable lines: header, parties, lines by
// domain, totals with the tax rate, notes and the measured service level
// the SLA credit rests on.
func Text(r Record) []string {
	d := layout(r)
	out := []string{d.Title + " " + d.Number}
	var fs []string
	for _, f := range d.Facts[1:] {
		fs = append(fs, f[0]+" "+f[1])
	}
	out = append(out, strings.Join(fs, "   "), "")
	for _, p := range []struct {
		label string
		lines []string
	}{{"From", d.Seller}, {"To", d.Buyer}} {
		if len(p.lines) > 0 {
			out = append(out, fmt.Sprintf("%-5s %s", p.label+":", strings.Join(p.lines, ", ")))
		}
	}
	// row prints a label and its amount; a long label wraps onto lines
	// of its own under the amount's.
	row := func(label string, m Money) []string {
		indent := label[:len(label)-len(strings.TrimLeft(label, " "))]
		ls := wrap(label, 86)
		out := []string{fmt.Sprintf("%-86s %12s", indent+ls[0], FormatMoney(m, d.Currency))}
		for _, more := range ls[1:] {
			out = append(out, indent+"  "+more)
		}
		return out
	}
	for _, g := range d.Groups {
		out = append(out, "", groupHeading(g))
		for _, l := range g.Lines {
			out = append(out, row("  "+l.Description, l.Amount)...)
		}
		if g.Title != "" {
			out = append(out, row("  Subtotal "+g.Title, g.Subtotal)...)
		}
	}
	out = append(out, "")
	for _, t := range d.Totals {
		out = append(out, row(t.Label, t.Amount)...)
	}
	if len(d.Notes) > 0 {
		out = append(out, "")
		out = append(out, d.Notes...)
	}
	if d.Service != nil {
		out = append(out, "")
		out = append(out, d.Service.Lines()...)
	}
	if d.Footer != "" {
		out = append(out, "", d.Footer)
	}
	return out
}

// wrap breaks s into lines of at most n runes at spaces (a longer word
// stands alone on its line).
func wrap(s string, n int) []string {
	var out []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case len([]rune(line))+1+len([]rune(w)) <= n:
			line += " " + w
		default:
			out = append(out, line)
			line = w
		}
	}
	return append(out, line)
}

// CSVServiceLevel is the kind of the CSV rows of the SLA evidence.
const CSVServiceLevel = "service_level"

// WriteCSV writes the invoice's lines and totals as CSV, amounts in minor
// units, then the measured service level (a row per service, no amount).
func WriteCSV(w io.Writer, r Record) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"invoice", "number", "customer", "kind", "mailbox", "description", "amount_minor", "currency"})
	for _, l := range r.Invoice.Lines {
		cw.Write([]string{r.ID, r.Number, r.Customer, l.Kind, l.Mailbox, l.Description, fmt.Sprint(int64(l.Amount)), r.Invoice.Currency})
	}
	for _, t := range []struct {
		kind string
		v    Money
	}{{"subtotal", r.Invoice.Subtotal}, {"tax", r.Invoice.Tax}, {"total", r.Invoice.Total}} {
		cw.Write([]string{r.ID, r.Number, r.Customer, t.kind, "", "", fmt.Sprint(int64(t.v)), r.Invoice.Currency})
	}
	// The SLA evidence, a row per service (no amount), as the other
	// documents print it.
	if r.Kind != KindCreditNote {
		for _, s := range ServiceLevelOf(r.Invoice).Services {
			cw.Write([]string{r.ID, r.Number, r.Customer, CSVServiceLevel, "", s.Summary(), "", ""})
		}
	}
	cw.Flush()
	return cw.Error()
}
