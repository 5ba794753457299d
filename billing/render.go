package billing

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"
)

// Text returns the invoice's printable lines: header, items, totals and
// the measured service level the SLA credit rests on.
func Text(r Record) []string {
	inv := r.Invoice
	title := "Invoice"
	if r.Kind == KindCreditNote {
		title = "Credit note for " + r.Credits
	}
	number := r.Number
	if number == "" {
		number = "DRAFT"
	}
	out := []string{
		fmt.Sprintf("%s %s", title, number),
		fmt.Sprintf("Customer %s   Plan %s   Reference %s", r.Customer, inv.Plan, r.ID),
		fmt.Sprintf("Period %s to %s", inv.Period.From.Format("2006-01-02 15:04 MST"), inv.Period.To.Format("2006-01-02 15:04 MST")),
		"",
	}
	for _, l := range inv.Lines {
		desc := wrap(l.Description, 86)
		out = append(out, fmt.Sprintf("%-86s %12s", desc[0], l.Amount))
		for _, more := range desc[1:] {
			out = append(out, "  "+more)
		}
	}
	out = append(out, "",
		fmt.Sprintf("%-86s %12s", "Subtotal", inv.Subtotal))
	if inv.Credit != 0 {
		out = append(out, fmt.Sprintf("%-86s %12s", "SLA credit", -inv.Credit))
	}
	out = append(out,
		fmt.Sprintf("%-86s %12s", "Net", inv.Net),
		fmt.Sprintf("%-86s %12s", "Tax", inv.Tax),
		fmt.Sprintf("%-86s %12s", "Total "+inv.Currency, inv.Total))
	if r.Kind != KindCreditNote {
		out = append(out, "")
		out = append(out, evidenceText(inv.Evidence, inv.Period.From.Location())...)
	}
	if !r.FinalizedAt.IsZero() {
		out = append(out, "Issued "+r.FinalizedAt.Format(time.RFC3339))
	}
	return out
}

// evidenceText prints the measured service: the lowest covered service's
// uptime and the latency share, then each covered service with its
// downtime intervals (times in loc). Invoices computed before services
// were measured by the minute show their probe checks instead.
func evidenceText(ev Evidence, loc *time.Location) []string {
	if len(ev.Services) == 0 && ev.Checks > 0 {
		return []string{fmt.Sprintf("Measured service: availability %s%% (%d of %d probe checks); %s%% of %d deliveries within %s.",
			ppm(ev.AvailabilityPPM), ev.Successes, ev.Checks, ppm(ev.LatencySharePPM), ev.Deliveries, ev.LatencyTarget)}
	}
	out := []string{fmt.Sprintf("Measured service: availability %s%% (the lowest of %d covered services, by the minute); %s%% of %d deliveries within %s.",
		ppm(ev.AvailabilityPPM), len(ev.Services), ppm(ev.LatencySharePPM), ev.Deliveries, ev.LatencyTarget)}
	for _, s := range ev.Services {
		out = append(out, fmt.Sprintf("  %s: uptime %s%% (target %s%%), %d min down, %d min unknown; credit %s%%",
			s.Service, ppm(s.UptimePPM), ppm(s.TargetPPM), s.DowntimeMinutes, s.UnknownMinutes, bp(s.CreditBP)))
		for _, o := range s.Downtime {
			out = append(out, fmt.Sprintf("    down %s to %s, %d min (%s)",
				o.Start.In(loc).Format("2006-01-02 15:04 MST"), o.End.In(loc).Format("2006-01-02 15:04 MST"), o.Minutes, o.Cause))
		}
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

// WriteCSV writes the invoice's lines and totals as CSV, amounts in minor
// units.
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
	cw.Flush()
	return cw.Error()
}

// WritePDF writes the invoice as a PDF document: its Text in a monospaced
// font on A4 pages.
func WritePDF(w io.Writer, r Record) error {
	const perPage = 60
	lines := Text(r)
	var pages [][]string
	for len(lines) > 0 {
		n := min(perPage, len(lines))
		pages = append(pages, lines[:n])
		lines = lines[n:]
	}
	// Objects: 1 catalog, 2 pages, 3 font, then a page and its content
	// stream for each page.
	var objs []string
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 4+2*i)
	}
	objs = append(objs, "<< /Type /Catalog /Pages 2 0 R >>",
		fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>")
	for i, p := range pages {
		var content bytes.Buffer
		content.WriteString("BT /F1 8 Tf 11 TL 36 806 Td\n")
		for _, l := range p {
			content.WriteString("(" + pdfString(l) + ") '\n")
		}
		content.WriteString("ET")
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i),
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", content.Len(), content.String()))
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	_, err := w.Write(b.Bytes())
	return err
}

// pdfString escapes s for a PDF literal string in WinAnsiEncoding:
// characters outside it become "?".
func pdfString(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '–' || r == '—':
			b.WriteByte(0x96)
		case r == '…':
			b.WriteByte(0x85)
		case r == '€':
			b.WriteByte(0x80)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case r >= 0xa0 && r <= 0xff:
			b.WriteByte(byte(r))
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
