package billing_test

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/billing"
)

// Minor units follow ISO 4217: JPY has none, EUR two, BHD and KWD three.
func TestFormatMoney(t *testing.T) {
	for _, c := range []struct {
		m    billing.Money
		code string
		want string
	}{
		{550, "JPY", "550"}, {-550, "JPY", "-550"}, {571, "EUR", "5.71"}, {5, "EUR", "0.05"}, {-119, "EUR", "-1.19"},
		{1250, "BHD", "1.250"}, {7, "KWD", "0.007"}, {123456789, "EUR", "1234567.89"}, {12345, "CLF", "1.2345"},
	} {
		if got := billing.FormatMoney(c.m, c.code); got != c.want {
			t.Errorf("FormatMoney(%d, %s) = %q, want %q", c.m, c.code, got, c.want)
		}
	}
	for _, c := range []struct{ code, locale, want string }{
		{"EUR", "de-DE", "1.234,50\u00a0€"}, {"EUR", "en", "€1,234.50"}, {"JPY", "ja", "￥123,450"}, {"BHD", "en", "BHD\u00a0123.450"},
	} {
		if got := billing.DisplayMoney(123450, c.code, c.locale); got != c.want {
			t.Errorf("DisplayMoney(123450, %s, %s) = %q, want %q", c.code, c.locale, got, c.want)
		}
	}
}

// People write amounts as decimals of the major unit, with no more
// decimals than the currency has.
func TestParseMoney(t *testing.T) {
	for _, c := range []struct {
		s, code string
		want    billing.Money
	}{
		{"4.00", "EUR", 400}, {"0.20", "EUR", 20}, {"0.2", "EUR", 20}, {"4", "EUR", 400}, {"4.000", "EUR", 400}, {"-1.19", "EUR", -119},
		{"550", "JPY", 550}, {"550.0", "JPY", 550}, {"1.250", "BHD", 1250}, {"0.005", "KWD", 5}, {"92233720368547758.07", "EUR", 1<<63 - 1},
	} {
		if got, err := billing.ParseMoney(c.s, c.code); err != nil || got != c.want {
			t.Errorf("ParseMoney(%q, %s) = %d, %v; want %d", c.s, c.code, got, err, c.want)
		}
	}
	for _, c := range []struct{ s, code, why string }{
		{"4.001", "EUR", "EUR has 2 decimals"}, {"5.5", "JPY", "JPY has 0 decimals"}, {"0.0005", "BHD", "BHD has 3 decimals"},
		{"1,00", "EUR", "want a decimal such as 4.20"}, {"1e3", "EUR", "want a decimal"}, {"", "EUR", "want a decimal"}, {".5", "EUR", "want a decimal"},
		{"5.", "EUR", "want a decimal"}, {"+5", "EUR", "want a decimal"}, {"4.00", "EURO", "not an ISO 4217 code"}, {"4.00", "XYZ", "not an ISO 4217"},
		{"92233720368547758.08", "EUR", "too large"}, {" 4.00", "EUR", "want a decimal"}, {"٤", "EUR", "want a decimal"},
	} {
		if got, err := billing.ParseMoney(c.s, c.code); err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("ParseMoney(%q, %s) = %d, %v; want an error saying %q", c.s, c.code, got, err, c.why)
		}
	}
}

// A JPY plan of ¥500 a mailbox and 10 % tax bills ¥550, printed as 550
// (not "5.50") on every document; a BHD plan of 1.250 a mailbox and 10 %
// bills 1.375.
func TestDocumentsUseTheExponent(t *testing.T) {
	for _, c := range []struct {
		code             string
		fee              billing.Money
		fee0, tax, total string
	}{
		{"JPY", 500, "500", "50", "550"}, {"BHD", 1250, "1.250", "0.125", "1.375"}, {"EUR", 500, "5.00", "0.50", "5.50"},
	} {
		p := billing.Plan{Name: "p", Currency: c.code, MonthlyFee: c.fee, TaxBasisPoints: 1000}
		inv, err := billing.Compute(billing.Input{Customer: "acme", Plan: p, Period: billing.Month(2026, time.November, time.UTC), Seller: seller(),
			Buyer:     billing.Party{Name: "Acme", Country: "DE"},
			Mailboxes: []billing.MailboxUsage{{Mailbox: "a@acme.example", Active: []billing.Interval{{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}}}})
		if err != nil {
			t.Fatal(err)
		}
		r := billing.Record{ID: "acme-2026-11", Kind: billing.KindInvoice, Customer: "acme", Status: billing.Final, Number: "2026-000001",
			Invoice: inv, FinalizedAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
		text := strings.Join(billing.Text(r), "\n")
		for _, want := range []string{" " + c.fee0 + "\n", " " + c.tax + "\n", " " + c.total + "\n", "Please transfer " + c.code + " " + c.total + " by"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: text lacks %q:\n%s", c.code, want, text)
			}
		}
		d, _ := readUBL(t, r)
		checkSums(t, d)
		if d.Totals.Payable.Value != c.total || d.TaxTotals[0].Amount.Value != c.tax || d.Totals.Payable.Currency != c.code {
			t.Errorf("%s: UBL payable %+v tax %+v", c.code, d.Totals.Payable, d.TaxTotals[0].Amount)
		}
		var b bytes.Buffer
		if err := billing.WriteCSV(&b, r); err != nil {
			t.Fatal(err)
		}
		rows, _ := csv.NewReader(&b).ReadAll()
		if last := rows[len(rows)-1]; last[3] != "total" || last[6] != strconv.FormatInt(int64(c.fee)*11/10, 10) || last[7] != c.code {
			t.Errorf("%s: CSV total row %v (minor units)", c.code, last)
		}
	}
}

// Whatever is written, an amount read is the amount printed: ParseMoney
// of FormatMoney gives the same minor units back, and nothing panics.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"4.00", "0.2", "550", "1.250", "-1.19", "92233720368547758.07", "1e3", ".5", "4.001"} {
		f.Add(s, "EUR")
		f.Add(s, "JPY")
		f.Add(s, "BHD")
	}
	f.Fuzz(func(t *testing.T, s, code string) {
		m, err := billing.ParseMoney(s, code)
		if err != nil {
			return
		}
		back, err := billing.ParseMoney(billing.FormatMoney(m, code), code)
		if err != nil || back != m {
			t.Errorf("%q %s = %d, printed %q, read back %d, %v", s, code, m, billing.FormatMoney(m, code), back, err)
		}
	})
}
