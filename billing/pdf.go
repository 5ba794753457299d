package billing

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
)

// Page geometry of an invoice PDF (A4, millimetres).
const (
	pageW, pageH     = 210.0, 297.0
	marginX, marginT = 18.0, 16.0
	bodyBottom       = pageH - 24 // the footer is below
	contentW         = pageW - 2*marginX
	amountW          = 34.0 // the amount column
)

// WritePDF writes the invoice as an A4 PDF: seller and buyer, number and
// dates, the lines grouped by domain with a subtotal each, the totals
// with the tax rate, notes, the SLA evidence, and page numbers. Text is
// set in the Go fonts, with a CJK font for what they lack. It is safe for
// concurrent use.
func WritePDF(w io.Writer, r Record) error {
	fs, err := fonts()
	if err != nil {
		return err
	}
	d := layout(r)
	pw := &pdfWriter{p: fpdf.New("P", "mm", "A4", ""), fs: fs, d: d}
	// Dated by the invoice, not the clock.
	pw.p.SetCreationDate(r.ComputedAt)
	pw.p.SetModificationDate(r.ComputedAt)
	pw.p.SetCatalogSort(true) // fonts and images in name order: the same record gives the same bytes
	pw.setup()
	pw.firstPage()
	pw.lines()
	pw.totals()
	pw.notes()
	pw.serviceLevel()
	if err := pw.p.Error(); err != nil {
		return fmt.Errorf("invoice %s: pdf: %w", r.ID, err)
	}
	return pw.p.Output(w)
}

// pdfWriter lays a document out on pages, top to bottom.
type pdfWriter struct {
	p        *fpdf.Fpdf
	fs       *fontSet
	d        document
	y        float64 // where the next row goes
	cjkAdded bool
	inTable  bool // a page break repeats the table's header
}

func (w *pdfWriter) setup() {
	p := w.p
	p.SetCompression(true)
	p.SetMargins(marginX, marginT, marginX)
	p.SetAutoPageBreak(false, 0)
	p.SetTitle(w.d.Title+" "+w.d.Number, true)
	if len(w.d.Seller) > 0 {
		p.SetAuthor(w.d.Seller[0], true)
	}
	p.SetCreator("mailmeter", true)
	for _, style := range []string{"", "B"} {
		p.AddUTF8FontFromBytes(familyGo, style, goFonts[style])
	}
	p.AliasNbPages("")
	p.SetFooterFunc(w.footer)
	w.newPage()
}

// font selects a family, style and size; the CJK font is embedded on
// first use and has no bold.
func (w *pdfWriter) font(family, style string, size float64) {
	if family == familyCJK {
		if !w.cjkAdded {
			w.p.AddUTF8FontFromBytes(familyCJK, "", w.fs.cjkTTF)
			w.cjkAdded = true
		}
		style = ""
	}
	w.p.SetFont(family, style, size)
}

// width is the printed width of s.
func (w *pdfWriter) width(s, style string, size float64) float64 {
	var total float64
	for _, r := range w.fs.runs(s) {
		w.font(r.family, style, size)
		total += w.p.GetStringWidth(r.text)
	}
	return total
}

// text prints s on baseline y within [x, x+width), aligned "L" or "R",
// shortened with "…" if it does not fit.
func (w *pdfWriter) text(x, y, width float64, s, align, style string, size float64) {
	for w.width(s, style, size) > width && utf8.RuneCountInString(s) > 1 {
		_, n := utf8.DecodeLastRuneInString(strings.TrimSuffix(s, "…"))
		s = strings.TrimSuffix(s, "…")
		s = s[:len(s)-n] + "…"
	}
	if align == "R" {
		x += width - w.width(s, style, size)
	}
	for _, r := range w.fs.runs(s) {
		w.font(r.family, style, size)
		w.p.Text(x, y, r.text)
		x += w.p.GetStringWidth(r.text)
	}
}

// wrap breaks s into lines of at most width, at spaces, or between
// characters where a word is longer than a line (CJK text has no spaces).
func (w *pdfWriter) wrap(s string, width float64, style string, size float64) []string {
	var out []string
	line := ""
	for _, word := range strings.Fields(s) {
		try := strings.TrimSpace(line + " " + word)
		if w.width(try, style, size) <= width {
			line = try
			continue
		}
		if line != "" {
			out = append(out, line)
		}
		line = ""
		for _, r := range word {
			if w.width(line+string(r), style, size) > width && line != "" {
				out = append(out, line)
				line = ""
			}
			line += string(r)
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}

func (w *pdfWriter) grey(v int) { w.p.SetTextColor(v, v, v) }

// need starts a new page unless h millimetres fit on this one.
func (w *pdfWriter) need(h float64) {
	if w.y+h > bodyBottom {
		w.newPage()
	}
}

// newPage starts a page; pages after the first repeat the document's
// title and, within the table, its header.
func (w *pdfWriter) newPage() {
	w.p.AddPage()
	w.y = marginT
	if w.p.PageNo() == 1 {
		return
	}
	w.grey(110)
	head := w.d.Title + " " + w.d.Number
	if len(w.d.Buyer) > 0 {
		head += " · " + w.d.Buyer[0]
	}
	w.text(marginX, w.y+3, contentW, head+" (continued)", "L", "", 8)
	w.grey(0)
	w.y += 9
	if w.inTable {
		w.tableHeader()
	}
}

// footer prints the seller's footer and the page number on every page.
func (w *pdfWriter) footer() {
	y := bodyBottom + 6
	w.p.SetDrawColor(180, 180, 180)
	w.p.Line(marginX, y, pageW-marginX, y)
	w.grey(110)
	lines := w.wrap(w.d.Footer, contentW-30, "", 7)
	for i, l := range lines[:min(len(lines), 3)] {
		w.text(marginX, y+4+float64(i)*3.2, contentW-30, l, "L", "", 7)
	}
	w.text(pageW-marginX-28, y+4, 28, fmt.Sprintf("Page %d of {nb}", w.p.PageNo()), "R", "", 7.5)
	w.grey(0)
}

// firstPage prints the seller, the title and facts, and the buyer.
func (w *pdfWriter) firstPage() {
	d := w.d
	left := 0.0
	if len(d.Seller) > 0 {
		w.text(marginX, w.y+5, 100, d.Seller[0], "L", "B", 13)
		w.grey(90)
		for i, l := range d.Seller[1:] {
			w.text(marginX, w.y+11+float64(i)*3.8, 100, l, "L", "", 8.5)
		}
		w.grey(0)
		left = 11 + float64(len(d.Seller)-1)*3.8
	}
	x := marginX + 104
	title, size := strings.ToUpper(d.Title)+" "+d.Number, 14.0
	for size > 8 && w.width(title, "B", size) > contentW-104 {
		size--
	}
	w.text(x, w.y+7, contentW-104, title, "R", "B", size)
	for i, f := range d.Facts {
		fy := w.y + 14 + float64(i)*4.2
		w.grey(110)
		w.text(x, fy, 30, f[0], "L", "", 8)
		w.grey(0)
		w.text(x+30, fy, contentW-134, f[1], "L", "", 8.5)
	}
	w.y += max(left, 14+float64(len(d.Facts))*4.2) + 6
	if len(d.Buyer) > 0 {
		w.grey(110)
		w.text(marginX, w.y, 100, "Bill to", "L", "", 8)
		w.grey(0)
		w.text(marginX, w.y+5, 120, d.Buyer[0], "L", "B", 10.5)
		for i, l := range d.Buyer[1:] {
			w.text(marginX, w.y+9.5+float64(i)*4, 120, l, "L", "", 9)
		}
		w.y += 9.5 + float64(len(d.Buyer)-1)*4 + 4
	}
}

const rowH = 4.6

// tableHeader prints the columns' titles.
func (w *pdfWriter) tableHeader() {
	w.y += 4
	w.text(marginX, w.y, contentW-amountW, "Description", "L", "B", 8.5)
	w.text(pageW-marginX-amountW, w.y, amountW, "Amount ("+w.d.Currency+")", "R", "B", 8.5)
	w.p.SetDrawColor(0, 0, 0)
	w.p.Line(marginX, w.y+1.5, pageW-marginX, w.y+1.5)
	w.y += 2
}

// lines prints the lines by domain, each domain with its subtotal.
func (w *pdfWriter) lines() {
	w.need(30)
	w.tableHeader()
	w.inTable = true
	for _, g := range w.d.Groups {
		w.need(3 * rowH)
		w.y += 2
		w.p.SetFillColor(236, 239, 243)
		w.p.Rect(marginX, w.y, contentW, rowH+0.6, "F")
		w.text(marginX+1.5, w.y+3.5, contentW-3, groupHeading(g), "L", "B", 9)
		w.y += rowH + 0.6
		for _, l := range g.Lines {
			w.need(rowH)
			w.amountRow(l.Description, l.Amount, "", 8.5)
		}
		if g.Title != "" {
			w.need(rowH + 1)
			w.p.SetDrawColor(160, 160, 160)
			w.p.Line(pageW-marginX-amountW+6, w.y+0.6, pageW-marginX, w.y+0.6)
			w.amountRow("Subtotal "+g.Title, g.Subtotal, "B", 8.5)
		}
	}
	w.inTable = false
}

// amountRow prints an indented description and its amount; a long
// description wraps onto rows of its own under the amount's.
func (w *pdfWriter) amountRow(desc string, m Money, style string, size float64) {
	width := contentW - amountW - 6
	ls := w.wrap(desc, width, style, size)
	if len(ls) == 0 {
		ls = []string{""}
	}
	w.y += rowH
	w.text(marginX+4, w.y-1.2, width, ls[0], "L", style, size)
	w.text(pageW-marginX-amountW, w.y-1.2, amountW, FormatMoney(m, w.d.Currency), "R", style, size)
	for _, l := range ls[1:] {
		w.need(rowH - 0.8)
		w.y += rowH - 0.8
		w.text(marginX+8, w.y-1.2, width-4, l, "L", style, size)
	}
}

// totals prints the totals block, right-aligned.
func (w *pdfWriter) totals() {
	w.need(float64(len(w.d.Totals))*5.5 + 8)
	w.y += 5
	x, width := pageW-marginX-90, 90.0
	for _, t := range w.d.Totals {
		style, size := "", 9.0
		if t.Strong {
			style, size = "B", 11
			w.p.SetDrawColor(0, 0, 0)
			w.p.Line(x, w.y+1, pageW-marginX, w.y+1)
			w.y += 1.5
		}
		w.y += 5
		w.text(x, w.y, width-amountW, t.Label, "L", style, size)
		w.text(pageW-marginX-amountW, w.y, amountW, FormatMoney(t.Amount, w.d.Currency), "R", style, size)
	}
	w.y += 4
}

// paragraph prints wrapped text.
func (w *pdfWriter) paragraph(s, style string, size float64) {
	for _, l := range w.wrap(s, contentW, style, size) {
		w.need(size * 0.45)
		w.y += size * 0.45
		w.text(marginX, w.y, contentW, l, "L", style, size)
	}
	w.y += 1.5
}

func (w *pdfWriter) notes() {
	for _, n := range w.d.Notes {
		w.y += 1
		w.paragraph(n, "", 8.5)
	}
}

// serviceLevel prints the SLA evidence: per service its availability,
// downtime and delivery latency, then the credit.
func (w *pdfWriter) serviceLevel() {
	sl := w.d.Service
	if sl == nil {
		return
	}
	w.need(12 + 15*float64(len(sl.Services)))
	w.y += 5
	w.text(marginX, w.y, contentW, "Service level (SLA evidence)", "L", "B", 10)
	w.y += 1
	for _, s := range sl.Services {
		w.need(16)
		w.y += 4.5
		w.text(marginX, w.y, contentW, s.Service, "L", "B", 8.5)
		for _, f := range s.Fields() {
			values := []string{f[1]}
			if f[0] == "Downtime" && len(s.Downtime) > 0 {
				values = s.Downtime // an interval a line
			}
			var ls []string
			for _, v := range values {
				ls = append(ls, w.wrap(v, contentW-40, "", 8.5)...)
			}
			for i, l := range ls {
				w.need(4)
				w.y += 4
				if i == 0 {
					w.grey(90)
					w.text(marginX+4, w.y, 36, f[0], "L", "", 8.5)
					w.grey(0)
				}
				w.text(marginX+40, w.y, contentW-40, l, "L", "", 8.5)
			}
		}
	}
	w.y += 1.5
	w.paragraph(sl.Credit, "", 8.5)
}
