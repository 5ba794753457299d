package billing_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/sla"
)

// buyerName has umlauts, accents, Chinese, Japanese and Korean: every one
// must come back out of the PDF as it went in.
const buyerName = "Ünïcødé Bäckerei Ærøskøbing 北京云计算 株式会社さくら 한국메일"

// record is a final invoice of November 2026 from seller() to a French
// business (reverse charge unless taxed), with mailboxes in two domains.
func record(perDomain int, reverse bool) billing.Record {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	inv := billing.Invoice{Customer: "acme", Plan: "standard", Currency: "EUR", Period: billing.Month(2026, time.November, berlin),
		Seller: seller(), Buyer: billing.Party{Name: buyerName, Address: "12 rue de l'Église\nBâtiment C", PostalCode: "75004", City: "Paris",
			Country: "FR", VATID: "FR40303265045", Email: "compta@acme.example"},
		Evidence: billing.Evidence{Checks: 10000, Successes: 9980, AvailabilityPPM: 998000, LatencySharePPM: 850000, Deliveries: 1000,
			DeliveredWithin: 850, LatencyTarget: time.Minute, CreditBP: 1500, AvailabilityCreditBP: 1000, LatencyCreditBP: 500}}
	for _, dom := range []string{"acme.example", "ünïcode.example"} {
		for i := range perDomain {
			mb := fmt.Sprintf("user%03d@%s", i, dom)
			inv.Lines = append(inv.Lines, billing.Line{Kind: billing.LineFee, Mailbox: mb, Description: fmt.Sprintf("Mailbox %s, 100.00%% of the period", mb), Amount: 500},
				billing.Line{Kind: billing.LineStorage, Mailbox: mb, Description: "Storage of " + mb + " over the included: 0.700 GB-month", Amount: 7})
			inv.Fees += 500
			inv.Subtotal += 507
		}
	}
	inv.Credit = inv.Fees * 15 / 100
	inv.Lines = append(inv.Lines, billing.Line{Kind: billing.LineCredit, Description: "SLA credit 15.00% of the fees", Amount: -inv.Credit})
	inv.Net = inv.Subtotal - inv.Credit
	inv.TaxRate = billing.TaxRate{BasisPoints: 1900, Category: billing.TaxStandard, Source: billing.TaxFromPlan}
	if reverse {
		inv.TaxRate = billing.TaxRate{Category: billing.TaxReverseCharge, Source: billing.TaxFromReverseCharge, Note: billing.ReverseChargeNote}
	}
	inv.Tax = billing.Money(int64(inv.Net) * inv.TaxRate.BasisPoints / 10000)
	inv.Total = inv.Net + inv.Tax
	return billing.Record{ID: "acme-2026-11", Kind: billing.KindInvoice, Customer: "acme", Status: billing.Final, Number: "2026-000001",
		Invoice: inv, ComputedAt: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), FinalizedAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
}

// pdfText renders r and reads the text back with poppler's pdftotext
// (skipping the test without it); it also returns the page count.
func pdfText(t *testing.T, r billing.Record) (string, int) {
	t.Helper()
	var b bytes.Buffer
	if err := billing.WritePDF(&b, r); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-1.")) || !bytes.HasSuffix(bytes.TrimSpace(b.Bytes()), []byte("%%EOF")) {
		t.Fatalf("not a PDF: %.20q … %q", b.Bytes(), b.Bytes()[max(0, b.Len()-10):])
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		testenv.Skip(t, "pdftotext to read the PDF back", "apt-get install poppler-utils, or .ci/install-poppler")
	}
	path := filepath.Join(t.TempDir(), r.ID+".pdf")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("MAILMETER_KEEP_PDF"); dir != "" {
		os.WriteFile(filepath.Join(dir, r.ID+".pdf"), b.Bytes(), 0o644)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	info, err := exec.Command("pdfinfo", path).CombinedOutput()
	m := regexp.MustCompile(`Pages:\s+(\d+)`).FindSubmatch(info)
	if err != nil || m == nil {
		t.Fatalf("pdfinfo: %v\n%s", err, info)
	}
	pages, _ := strconv.Atoi(string(m[1]))
	return string(out), pages
}

// contains reports every wanted text missing from got (where lines may
// be wrapped).
func contains(t *testing.T, got string, want ...string) {
	t.Helper()
	flat := strings.Join(strings.Fields(got), " ")
	for _, w := range want {
		if !strings.Contains(got, w) && !strings.Contains(flat, w) {
			t.Errorf("missing %q", w)
		}
	}
	if t.Failed() {
		t.Logf("text:\n%s", got)
	}
}

// Every field of a final invoice comes back out of its PDF: seller and
// buyer (umlauts, accents, CJK, no "?"), number and dates, each line,
// each domain's subtotal, the totals with the tax rate, how to pay, the
// SLA evidence, the footer and the page numbers. 150 mailboxes a domain
// (600 lines) stay readable on numbered pages.
func TestWritePDF(t *testing.T) {
	r := record(150, false)
	text, pages := pdfText(t, r)
	contains(t, text, "INVOICE 2026-000001",
		"Mailmeter Hosting GmbH", "Friedrichstraße 1", "10117 Berlin", "VAT ID DE123456789", "HRB 999999 B, Amtsgericht Charlottenburg", "billing@mailmeter.example",
		"Bill to", buyerName, "12 rue de l'Église", "Bâtiment C", "75004 Paris", "VAT ID FR40303265045", "compta@acme.example",
		"Issue date", "2026-12-01", "Due date", "2026-12-15", "Service period", "2026-11-01 to 2026-11-30", "Reference", "acme-2026-11",
		"Description", "Amount (EUR)", "acme.example (150 mailboxes)", "ünïcode.example (150 mailboxes)",
		"Subtotal acme.example", "Subtotal ünïcode.example", "760.50",
		"Service level credit", "SLA credit 15.00% of the fees", "-225.00",
		"Subtotal", "1521.00", "Net", "1296.00", "Tax 19.00%", "246.24", "Total EUR", "1542.24",
		"Please transfer EUR 1542.24 by 2026-12-15 to IBAN DE89370400440532013000, BIC COBADEFFXXX (Berliner Bank), quoting 2026-000001.",
		"Service level (SLA evidence)", "All probed services", "Availability", "99.800% (9980 of 10000 probe checks)",
		"Downtime", "not itemized", "Delivery latency", "85.000% of 1000 deliveries within 1m0s",
		"SLA credit: 15.00% of the fees (availability target missed, delivery latency target missed).",
		"Geschäftsführer: Erika Mustermann")
	for _, l := range r.Invoice.Lines {
		if !strings.Contains(text, l.Description) {
			t.Errorf("line %q is missing", l.Description)
		}
	}
	if strings.Contains(text, "?") {
		t.Errorf("a character came out as '?'")
	}
	if pages < 10 {
		t.Errorf("600 lines on %d pages", pages)
	}
	for p := 1; p <= pages; p++ {
		if !strings.Contains(text, fmt.Sprintf("Page %d of %d", p, pages)) {
			t.Errorf("page %d is not numbered 'Page %d of %d'", p, p, pages)
		}
	}
	if n := strings.Count(text, "Invoice 2026-000001 · "+buyerName+" (continued)"); n != pages-1 {
		t.Errorf("%d continuation headers on %d pages", n, pages)
	}
}

// A reverse-charged invoice shows 0 % and the note the law requires; a
// credit note names the invoice it corrects and has no SLA section; a
// draft says it is not an invoice yet.
func TestWritePDFKinds(t *testing.T) {
	text, pages := pdfText(t, record(2, true))
	contains(t, text, "Tax 0.00%", "Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC).", "Page 1 of 1")
	if pages != 1 {
		t.Errorf("4 lines on %d pages", pages)
	}
	inv := record(2, false)
	note, err := billing.CreditNote(inv.Invoice, 1000, "Goodwill for the outage of 3 November", 0)
	if err != nil {
		t.Fatal(err)
	}
	note.Preceding = billing.Reference{Number: inv.Number, IssueDate: inv.IssueDate()}
	cn := billing.Record{ID: "acme-2026-11-cn1", Kind: billing.KindCreditNote, Credits: inv.ID, Customer: "acme", Status: billing.Final,
		Number: "CN-2026-000001", Invoice: note, FinalizedAt: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)}
	text, _ = pdfText(t, cn)
	contains(t, text, "CREDIT NOTE CN-2026-000001", "Corrects invoice", "2026-000001 of 2026-12-01", "Issue date", "2026-12-05",
		"Goodwill for the outage of 3 November", "-10.00", "Tax 19.00%", "-1.90", "Total EUR", "-11.90",
		"This credit note reduces invoice 2026-000001 by EUR 11.90.", buyerName)
	if strings.Contains(text, "Service level") || strings.Contains(text, "Due date") {
		t.Errorf("a credit note with an SLA section or a due date:\n%s", text)
	}
	draft := record(1, false)
	draft.Status, draft.Number, draft.FinalizedAt = billing.Draft, "", time.Time{}
	text, _ = pdfText(t, draft)
	contains(t, text, "INVOICE DRAFT", "none until finalized", "Draft: not an invoice until it is finalized and numbered.")
	if strings.Contains(text, "Issue date") || strings.Contains(text, "Please transfer") {
		t.Errorf("a draft with an issue date or payment instructions:\n%s", text)
	}
}

// The text form carries the same fields.
func TestText(t *testing.T) {
	got := strings.Join(billing.Text(record(1, true)), "\n")
	contains(t, got, "Invoice 2026-000001", "Issue date 2026-12-01", "Due date 2026-12-15", "Service period 2026-11-01 to 2026-11-30",
		"From: Mailmeter Hosting GmbH, Friedrichstraße 1", "To:   "+buyerName, "acme.example (1 mailbox)", "Subtotal acme.example",
		"Tax 0.00%", billing.ReverseChargeNote, "availability 99.800% (9980 of 10000 probe checks)", "downtime not itemized")
}

func TestWriteCSV(t *testing.T) {
	var b bytes.Buffer
	if err := billing.WriteCSV(&b, record(1, false)); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	// Lines, totals, then the service level (one row: this evidence is
	// of probe checks).
	if err != nil || len(rows) != 1+5+3+1 || rows[1][3] != "fee" || rows[1][4] != "user000@acme.example" || rows[8][3] != "total" || rows[8][6] != "1028" ||
		rows[9][3] != billing.CSVServiceLevel || !strings.HasPrefix(rows[9][5], "All probed services: availability 99.800% (9980 of 10000 probe checks)") {
		t.Errorf("csv: %v %v", rows, err)
	}
}

// Lines come sorted by mailbox address, so domains interleave
// (alice@b, alice@c, bob@b); each domain still gets one group with one
// subtotal, domains in order.
func TestTextGroupsByDomain(t *testing.T) {
	r := record(0, false)
	r.Invoice.Lines = nil
	for _, mb := range []string{"alice@b.example", "alice@c.example", "bob@b.example", "carol@a.example"} {
		r.Invoice.Lines = append(r.Invoice.Lines, billing.Line{Kind: billing.LineFee, Mailbox: mb, Description: "Mailbox " + mb, Amount: 500})
	}
	got := strings.Join(billing.Text(r), "\n")
	for _, g := range []string{"a.example (1 mailbox)", "b.example (2 mailboxes)", "c.example (1 mailbox)"} {
		if strings.Count(got, g) != 1 {
			t.Errorf("group %q appears %d times:\n%s", g, strings.Count(got, g), got)
		}
	}
	if a, b, c := strings.Index(got, "a.example ("), strings.Index(got, "b.example ("), strings.Index(got, "c.example ("); !(a < b && b < c) {
		t.Errorf("domains out of order:\n%s", got)
	}
	if !strings.Contains(got, "Subtotal b.example") || !strings.Contains(got, "10.00") {
		t.Errorf("b.example's subtotal:\n%s", got)
	}
}

// BenchmarkWritePDF prints the time and size of a 600-line, 13-page
// invoice with CJK in the buyer's name, and of the UBL of the same.
func BenchmarkWritePDF(b *testing.B) {
	r := record(150, false)
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := billing.WritePDF(&buf, r); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size)/1024, "kB/pdf")
}

func BenchmarkWriteUBL(b *testing.B) {
	r := record(150, false)
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := billing.WriteUBL(&buf, r); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size)/1024, "kB/xml")
}

// PDFs rendered at once (sharing the fonts; run with -race) carry the
// same text as one rendered alone. (Not the same bytes: fpdf orders the
// glyphs of its font subsets at random.)
func TestWritePDFConcurrent(t *testing.T) {
	r := record(20, false)
	var want bytes.Buffer
	if err := billing.WritePDF(&want, r); err != nil {
		t.Fatal(err)
	}
	got := make([]bytes.Buffer, 4)
	errs := make(chan error, len(got))
	for i := range got {
		go func() { errs <- billing.WritePDF(&got[i], r) }()
	}
	for range got {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		testenv.Skip(t, "pdftotext to compare the PDFs' text", "apt-get install poppler-utils, or .ci/install-poppler")
	}
	text := func(b []byte) string {
		path := filepath.Join(t.TempDir(), "c.pdf")
		os.WriteFile(path, b, 0o644)
		out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").CombinedOutput()
		if err != nil {
			t.Fatalf("pdftotext: %v\n%s", err, out)
		}
		return string(out)
	}
	alone := text(want.Bytes())
	for i := range got {
		if text(got[i].Bytes()) != alone {
			t.Errorf("render %d has other text than the one rendered alone", i)
		}
	}
}

// Characters no embedded font has stay in the text: a rare CJK one is
// kept as it is; one outside the Basic Multilingual Plane (an emoji, CJK
// Extension B), which the PDF library cannot encode, prints as U+FFFD
// instead of stopping the document.
func TestWritePDFRareCharacters(t *testing.T) {
	r := record(1, false)
	r.Invoice.Buyer.Name = "Rare 鿐 astral 𠀀 emoji 😀 end"
	r.Invoice.Seller.Name = "Seller 😀 GmbH" // also the PDF's author
	text, _ := pdfText(t, r)
	contains(t, text, "Rare 鿐 astral \uFFFD emoji \uFFFD end", "Seller \uFFFD GmbH")
}

// perServiceRecord is record(1) with evidence measured by the minute: two
// covered services, smtp down once (86 minutes, in the customer's zone)
// and its credit applying, and a credit line too long for one row.
func perServiceRecord() billing.Record {
	r := record(1, false)
	r.Invoice.Evidence = billing.Evidence{Checks: 10000, Successes: 9980, AvailabilityPPM: 998009, LatencySharePPM: 850000, Deliveries: 1000,
		DeliveredWithin: 850, LatencyTarget: time.Minute, CreditBP: 1000, AvailabilityCreditBP: 1000, LatencyMet: true,
		CreditService: "smtp", Services: []sla.ServiceCredit{
			{Service: "imap", UptimePPM: 1_000_000, TargetPPM: 999000, Met: true, Downtime: []sla.Outage{}},
			{Service: "smtp", UptimePPM: 998009, TargetPPM: 999000, CreditBP: 1000, DowntimeMinutes: 86, UnknownMinutes: 3, Downtime: []sla.Outage{
				{Start: time.Date(2026, 11, 7, 2, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 7, 3, 26, 0, 0, time.UTC), Minutes: 86, Cause: sla.CauseBoth}}},
		}}
	lines := r.Invoice.Lines
	lines[len(lines)-1] = billing.Line{Kind: billing.LineCredit, Service: "smtp", Amount: lines[len(lines)-1].Amount,
		Description: "SLA credit 10.00% of the fees: smtp uptime 99.801% (86 min down: 11-07 03:00–04:26 CET); 100.000% of deliveries within 1m0s"}
	return r
}

// Every document prints the per-service evidence through ServiceLevelOf:
// each covered service with its uptime and its downtime intervals in the
// customer's zone, the delivery latency, and whose credit applies; long
// lines wrap instead of losing their end.
func TestServiceLevelDocuments(t *testing.T) {
	r := perServiceRecord()
	want := []string{
		"imap: availability 100.000% by the minute (target 99.900%), 0 min down, 0 min unknown; credit 0.00%; downtime none",
		"smtp: availability 99.801% by the minute (target 99.900%), 86 min down, 3 min unknown; credit 10.00%",
		"2026-11-07 03:00 CET to 2026-11-07 04:26 CET, 86 min (probe+incident)",
		billing.DeliveryService + ": delivery latency 85.000% of 1000 deliveries within 1m0s",
		"SLA credit: 10.00% of the fees (availability target missed, smtp's credit applies, delivery latency target met).",
	}
	t.Run("text", func(t *testing.T) {
		text := strings.Join(billing.Text(r), "\n")
		contains(t, text, want...)
		contains(t, text, "  smtp: availability 99.801% by the minute (target 99.900%), 86 min down, 3 min unknown; credit 10.00%\n"+
			"    down 2026-11-07 03:00 CET to 2026-11-07 04:26 CET, 86 min (probe+incident)\n")
		// The credit line wraps, its amount on the first row.
		if !regexp.MustCompile(`(?m)^  SLA credit 10\.00% of the fees: smtp uptime 99\.801% \(86 min down: 11-07 03:00–04:26 +-1\.50\n    CET\); 100\.000% of deliveries within 1m0s$`).MatchString(text) {
			t.Errorf("the credit line is not wrapped under its amount:\n%s", text)
		}
		if strings.Contains(text, "…") || strings.Contains(text, "not itemized") {
			t.Errorf("clipped or not itemized:\n%s", text)
		}
	})
	t.Run("pdf", func(t *testing.T) {
		text, _ := pdfText(t, r)
		contains(t, text, "Service level (SLA evidence)", "imap", "smtp", "Availability", "99.801% by the minute (target 99.900%), 86 min down, 3 min unknown; credit 10.00%",
			"Downtime", "none", "2026-11-07 03:00 CET to 2026-11-07 04:26 CET, 86 min (probe+incident)",
			billing.DeliveryService, "Delivery latency", "85.000% of 1000 deliveries within 1m0s", want[4],
			// The credit line in full, wrapped in the table.
			"SLA credit 10.00% of the fees: smtp uptime 99.801% (86 min down: 11-07 03:00–04:26 CET); 100.000% of deliveries within 1m0s")
		if strings.Contains(text, "…") || strings.Contains(text, "not itemized") {
			t.Errorf("clipped or not itemized:\n%s", text)
		}
	})
	t.Run("csv", func(t *testing.T) {
		var b bytes.Buffer
		if err := billing.WriteCSV(&b, r); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, row := range rows {
			if row[3] == billing.CSVServiceLevel {
				if row[6] != "" || row[7] != "" {
					t.Errorf("a service level row with an amount: %v", row)
				}
				got = append(got, row[5])
			}
		}
		if len(got) != 3 || got[0] != want[0] || got[2] != want[3] ||
			got[1] != "smtp: availability 99.801% by the minute (target 99.900%), 86 min down, 3 min unknown; credit 10.00%; downtime "+want[2] {
			t.Errorf("service level rows:\n%s", strings.Join(got, "\n"))
		}
	})
	t.Run("ubl", func(t *testing.T) {
		d, _ := readUBL(t, r)
		if len(d.Notes) != 1 {
			t.Fatalf("notes %q", d.Notes)
		}
		contains(t, d.Notes[0], want...)
	})
}
