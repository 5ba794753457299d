package billing_test

import (
	"bytes"
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
	"github.com/mailmeter/mailmeter/sla"
)

func record(lines int) billing.Record {
	inv := billing.Invoice{Customer: "acme", Plan: "standard", Currency: "EUR", Period: billing.Month(2026, time.November, time.UTC),
		Subtotal: 940, Credit: 138, Net: 802, Tax: 152, Total: 954,
		Evidence: billing.Evidence{Checks: 10000, Successes: 9980, AvailabilityPPM: 998000, LatencySharePPM: 850000, Deliveries: 1000, LatencyTarget: time.Minute}}
	for i := range lines {
		inv.Lines = append(inv.Lines, billing.Line{Kind: billing.LineFee, Mailbox: fmt.Sprintf("u%d@acme.example", i),
			Description: fmt.Sprintf("Mailbox u%d@acme.example (100.00%% of the period) – €", i), Amount: 500})
	}
	return billing.Record{ID: "acme-2026-11", Kind: billing.KindInvoice, Customer: "acme", Status: billing.Final, Number: "2026-000001",
		Invoice: inv, FinalizedAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
}

// The PDF is well formed: every xref offset points at its object, startxref
// at the table; long invoices get more pages; text is escaped.
func TestWritePDF(t *testing.T) {
	for _, tt := range []struct{ lines, pages int }{{3, 1}, {130, 3}} {
		var b bytes.Buffer
		if err := billing.WritePDF(&b, record(tt.lines)); err != nil {
			t.Fatal(err)
		}
		pdf := b.Bytes()
		if !bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
			t.Fatalf("not a PDF: %.40q … %q", pdf, pdf[len(pdf)-10:])
		}
		m := regexp.MustCompile(`startxref\n(\d+)\n`).FindSubmatch(pdf)
		start, _ := strconv.Atoi(string(m[1]))
		if !bytes.HasPrefix(pdf[start:], []byte("xref\n")) {
			t.Fatalf("startxref %d does not point at the xref table", start)
		}
		entries := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllSubmatch(pdf[start:], -1)
		for i, e := range entries {
			off, _ := strconv.Atoi(string(e[1]))
			if want := fmt.Sprintf("%d 0 obj\n", i+1); !bytes.HasPrefix(pdf[off:], []byte(want)) {
				t.Errorf("xref entry %d (offset %d) points at %.12q", i+1, off, pdf[off:])
			}
		}
		if n := bytes.Count(pdf, []byte("/Type /Page /Parent")); n != tt.pages {
			t.Errorf("%d lines: %d pages, want %d", tt.lines, n, tt.pages)
		}
		if !bytes.Contains(pdf, []byte("\\(100.00% of the period\\) \x96 \x80")) || !bytes.Contains(pdf, []byte("Total EUR")) {
			t.Errorf("text not escaped or missing")
		}
		// With poppler's pdftotext at hand, the text must come back out.
		if _, err := exec.LookPath("pdftotext"); err == nil {
			path := filepath.Join(t.TempDir(), "i.pdf")
			os.WriteFile(path, pdf, 0o644)
			out, err := exec.Command("pdftotext", "-layout", path, "-").CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Invoice 2026-000001") || !strings.Contains(string(out), "availability 99.800% (9980 of 10000 probe checks)") {
				t.Errorf("pdftotext: %v\n%s", err, out)
			}
		} else {
			t.Log("pdftotext not installed: the text was not extracted back (apt-get install poppler-utils)")
		}
	}
}

func TestWriteCSV(t *testing.T) {
	var b bytes.Buffer
	if err := billing.WriteCSV(&b, record(2)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 1+2+3 || !strings.HasPrefix(lines[1], "acme-2026-11,2026-000001,acme,fee,u0@acme.example,") || lines[5] != "acme-2026-11,2026-000001,acme,total,,,954,EUR" {
		t.Errorf("csv:\n%s", b.String())
	}
}

// The printed evidence lists each covered service with its uptime and its
// downtime intervals in the customer's zone; invoices stored before the
// services were measured by the minute still print their probe checks.
func TestTextEvidence(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	r := record(1)
	r.Invoice.Period = billing.Month(2026, time.November, berlin)
	r.Invoice.Evidence = billing.Evidence{AvailabilityPPM: 998009, LatencySharePPM: 850000, Deliveries: 1000, LatencyTarget: time.Minute,
		CreditService: "smtp", Services: []sla.ServiceCredit{
			{Service: "imap", UptimePPM: 1_000_000, TargetPPM: 999000, Met: true, Downtime: []sla.Outage{}},
			{Service: "smtp", UptimePPM: 998009, TargetPPM: 999000, CreditBP: 1000, DowntimeMinutes: 86, UnknownMinutes: 3, Downtime: []sla.Outage{
				{Start: time.Date(2026, 11, 7, 2, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 7, 3, 26, 0, 0, time.UTC), Minutes: 86, Cause: sla.CauseBoth}}},
		}}
	r.Invoice.Lines = append(r.Invoice.Lines, billing.Line{Kind: billing.LineCredit, Service: "smtp", Amount: -50,
		Description: "SLA credit 10.00% of the fees: smtp uptime 99.801% (86 min down: 11-07 03:00–04:26 CET); 100.000% of deliveries within 1m0s"})
	text := strings.Join(billing.Text(r), "\n")
	for _, want := range []string{
		// A long line wraps instead of losing its end; the amount stays on
		// its first line.
		"(86 min down: 11-07 03:00–04:26            -0.50\n  CET); 100.000% of deliveries within 1m0s\n",
		"Measured service: availability 99.801% (the lowest of 2 covered services, by the minute); 85.000% of 1000 deliveries within 1m0s.",
		"  imap: uptime 100.000% (target 99.900%), 0 min down, 0 min unknown; credit 0.00%",
		"  smtp: uptime 99.801% (target 99.900%), 86 min down, 3 min unknown; credit 10.00%",
		"    down 2026-11-07 03:00 CET to 2026-11-07 04:26 CET, 86 min (probe+incident)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in\n%s", want, text)
		}
	}
	if old := strings.Join(billing.Text(record(1)), "\n"); !strings.Contains(old, "availability 99.800% (9980 of 10000 probe checks)") {
		t.Errorf("an older invoice's evidence:\n%s", old)
	}
}
