package main

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sellerConfig is a configuration with a plan and billing.seller.
const sellerConfig = `billing:
  seller:
    name: Mailmeter Hosting GmbH
    address: Friedrichstraße 1
    postal_code: "10117"
    city: Berlin
    country: de
    vat_id: DE 123 456 789
    registration: HRB 999999 B, Amtsgericht Charlottenburg
    email: billing@mailmeter.example
    iban: DE89 3704 0044 0532 0130 00
    bic: COBADEFFXXX
    payment_terms_days: 30
    footer: "Geschäftsführerin: Erika Mustermann"
  plans:
    - {name: standard, currency: EUR, monthly_fee: 500, tax_bp: 1900}
`

// The seller configured and the customer's billing details reach the
// documents: a French business is reverse charged, the text shows the
// rate and note, --ubl prints an e-invoice of the final invoice (and
// refuses the draft), preview estimates the month so far, and a bad
// seller is refused naming its key.
func TestInvoiceDocumentsCLI(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		dir := t.TempDir()
		conf := filepath.Join(dir, "m.yaml")
		writeFile(t, conf, sellerConfig)
		cli := func(args ...string) result { return runCLI(t, nil, append(args, "--config", conf, "--db", db)...) }
		for _, args := range [][]string{
			{"customer", "add", "zoe", "--name", "Zoë", "--plan", "standard", "--legal-name", "Zoë Café SARL 咖啡", "--address", "1 rue Neuve",
				"--postal-code", "75001", "--city", "Paris", "--country", "FR", "--vat-id", "FR40303265045", "--billing-email", "compta@zoe.example"},
			{"domain", "add", "zoe.example", "--customer", "zoe"},
			{"mailbox", "add", "anne@zoe.example", "--created", "2026-01-01T00:00:00Z"},
		} {
			if r := cli(args...); r.code != 0 {
				t.Fatalf("%v: %+v", args, r)
			}
		}
		if r := cli("invoice", "run", "--period", "2026-02"); r.code != 0 || !strings.Contains(r.stdout, "EUR 5.00") {
			t.Fatalf("run: %+v", r)
		}
		r := cli("invoice", "show", "zoe-2026-02")
		for _, want := range []string{"Invoice DRAFT", "From: Mailmeter Hosting GmbH, Friedrichstraße 1, 10117 Berlin, DE, VAT ID DE123456789",
			"To:   Zoë Café SARL 咖啡, 1 rue Neuve, 75001 Paris, FR, VAT ID FR40303265045", "Tax 0.00%", "Reverse charge", "Geschäftsführerin"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("show lacks %q:\n%s", want, r.stdout)
			}
		}
		if r := cli("invoice", "show", "zoe-2026-02", "--ubl"); r.code != 1 || !strings.Contains(r.stderr, "not final") {
			t.Errorf("--ubl of a draft: %+v", r)
		}
		if r := cli("invoice", "finalize", "zoe-2026-02"); r.code != 0 {
			t.Fatalf("finalize: %+v", r)
		}
		r = cli("invoice", "show", "zoe-2026-02", "--ubl")
		var doc struct {
			XMLName xml.Name
			ID      string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 ID"`
			Due     string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 DueDate"`
			Issued  string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 IssueDate"`
		}
		if err := xml.Unmarshal([]byte(r.stdout), &doc); err != nil || r.code != 0 || doc.XMLName.Local != "Invoice" || !strings.HasPrefix(doc.ID, time.Now().Format("2006")+"-") {
			t.Fatalf("--ubl: %v %+v", err, r)
		}
		issued, _ := time.Parse("2006-01-02", doc.Issued)
		if due, _ := time.Parse("2006-01-02", doc.Due); due.Sub(issued) != 30*24*time.Hour {
			t.Errorf("issued %s, due %s: want 30 days of payment terms", doc.Issued, doc.Due)
		}
		pdf := filepath.Join(dir, "zoe.pdf")
		if r := cli("invoice", "show", "zoe-2026-02", "--pdf", pdf); r.code != 0 || !strings.HasPrefix(fileHasPrefix(t, pdf), "%PDF-1.") {
			t.Errorf("--pdf: %+v", r)
		}
		if _, err := exec.LookPath("pdftotext"); err == nil {
			out, err := exec.Command("pdftotext", pdf, "-").CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Zoë Café SARL 咖啡") || !strings.Contains(string(out), doc.ID) {
				t.Errorf("pdftotext: %v\n%s", err, out)
			}
		}
		r = cli("invoice", "preview", "zoe")
		if r.code != 0 || !strings.Contains(r.stdout, "Invoice ESTIMATE") || !strings.Contains(r.stdout, "Estimate of the month so far") {
			t.Errorf("preview: %+v", r)
		}
		bad := filepath.Join(dir, "bad.yaml")
		writeFile(t, bad, strings.Replace(strings.Replace(sellerConfig, "country: de", "country: Germany", 1), "COBADEFFXXX", "X", 1))
		r = runCLI(t, nil, "invoice", "list", "--config", bad, "--db", db)
		if r.code != 1 || !strings.Contains(r.stderr, "billing.seller: country") || !strings.Contains(r.stderr, "billing.seller.bic") {
			t.Errorf("bad seller: %+v", r)
		}
		os.Remove(pdf)
	})
}
