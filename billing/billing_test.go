package billing_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/sla"
)

func plan() billing.Plan {
	return billing.Plan{Name: "standard", Currency: "EUR", MonthlyFee: 500,
		IncludedStorage: 1 * billing.GB, StoragePerGBMonth: 10, IncludedTransfer: 2 * billing.GB, TransferPerGB: 5,
		TaxBasisPoints: 1900,
		SLA: billing.SLA{AvailabilityTargetPPM: 999000,
			Tiers:         []billing.CreditTier{{BelowPPM: 999000, CreditBP: 1000}, {BelowPPM: 990000, CreditBP: 2500}, {BelowPPM: 950000, CreditBP: 5000}},
			LatencyTarget: time.Minute, LatencySharePPM: 900000, LatencyCreditBP: 500, CapBP: 5000},
	}
}

func peaks(days int, f func(day int) int64) []int64 {
	out := make([]int64, days)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// Every figure of a month's invoice, computed by hand.
func TestComputeNovember(t *testing.T) {
	nov := billing.Month(2026, time.November, time.UTC)
	d := func(m time.Month, day int) time.Time { return time.Date(2026, m, day, 0, 0, 0, 0, time.UTC) }
	in := billing.Input{Customer: "acme", Plan: plan(), Period: nov,
		Mailboxes: []billing.MailboxUsage{
			// All month; 3 GB every day (2 GB over); 2.5 GB transfer (0.5 GB over).
			{Mailbox: "alice@acme.example", Active: []billing.Interval{{From: d(10, 1)}},
				DailyPeakBytes: peaks(30, func(int) int64 { return 3 * billing.GB }), TransferBytes: 2_500_000_000},
			// From the 16th: half the month; 1 GB for 15 days = 0.5 GB mean, all included (prorated).
			{Mailbox: "bob@acme.example", Active: []billing.Interval{{From: d(11, 16)}},
				DailyPeakBytes: peaks(30, func(i int) int64 { return map[bool]int64{true: billing.GB}[i >= 15] })},
			// Removed on the 11th: 10 of 30 days.
			{Mailbox: "carol@acme.example", Active: []billing.Interval{{From: d(9, 1), To: d(11, 11)}}, DailyPeakBytes: peaks(30, func(int) int64 { return 0 })},
			// Created in December: nothing.
			{Mailbox: "dave@acme.example", Active: []billing.Interval{{From: d(12, 2)}}},
		},
		// Availability is measured per service by the minute (package sla);
		// the probes' check counts are kept for the record only.
		Service: billing.Service{Checks: 10000, Successes: 9980, Deliveries: 1000, DeliveredWithin: 850, Figures: []sla.Figures{
			{Service: "imap", Minutes: 43200, UptimePPM: 1_000_000},
			{Service: "smtp", Minutes: 43200, UptimePPM: 998009, DowntimeMinutes: 86, Downtime: []sla.Outage{
				{Start: d(11, 7).Add(3 * time.Hour), End: d(11, 7).Add(3*time.Hour + 80*time.Minute), Minutes: 80, Cause: sla.CauseProbe},
				{Start: d(11, 9), End: d(11, 9).Add(6 * time.Minute), Minutes: 6, Cause: sla.CauseIncident}}},
		}},
	}
	inv, err := billing.Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kind, mailbox string
		amount        billing.Money
	}{
		{billing.LineFee, "alice@acme.example", 500},
		{billing.LineStorage, "alice@acme.example", 20}, // 2 GB × 0.10
		{billing.LineTransfer, "alice@acme.example", 3}, // 0.5 GB × 0.05 = 2.5 cents, half up
		{billing.LineFee, "bob@acme.example", 250},
		{billing.LineFee, "carol@acme.example", 167}, // 500 / 3 = 166.67
		{billing.LineCredit, "", -138},               // 15 % of 917 = 137.55
	}
	if len(inv.Lines) != len(want) {
		t.Fatalf("lines %+v", inv.Lines)
	}
	for i, w := range want {
		if l := inv.Lines[i]; l.Kind != w.kind || l.Mailbox != w.mailbox || l.Amount != w.amount {
			t.Errorf("line %d = %+v, want %+v", i, l, w)
		}
	}
	if inv.Fees != 917 || inv.Subtotal != 940 || inv.Credit != 138 || inv.Net != 802 || inv.Tax != 152 || inv.Total != 954 {
		t.Errorf("totals: fees %d subtotal %d credit %d net %d tax %d total %d", inv.Fees, inv.Subtotal, inv.Credit, inv.Net, inv.Tax, inv.Total)
	}
	e := inv.Evidence
	if e.AvailabilityPPM != 998009 || e.AvailabilityMet || e.AvailabilityCreditBP != 1000 || e.LatencySharePPM != 850000 || e.LatencyMet ||
		e.LatencyCreditBP != 500 || e.CreditBP != 1500 || e.CreditService != "smtp" || len(e.Services) != 2 || e.Checks != 10000 {
		t.Errorf("evidence %+v", e)
	}
	if s := e.Services[1]; s.Service != "smtp" || s.CreditBP != 1000 || len(s.Downtime) != 2 || s.Downtime[1].Cause != sla.CauseIncident {
		t.Errorf("smtp's evidence %+v", s)
	}
	// The credit line names the service, its uptime and its downtime.
	if l := inv.Lines[5]; l.Service != "smtp" || l.Description != "SLA credit 15.00% of the fees: smtp uptime 99.801% (86 min down: 11-07 03:00–04:20 UTC, 11-09 00:00–00:06 UTC); 85.000% of deliveries within 1m0s" {
		t.Errorf("credit line %+v", l)
	}
	if inv.Currency != "EUR" || inv.Total.String() != "9.54" {
		t.Errorf("currency %s total %s", inv.Currency, inv.Total)
	}
	// Pure: the same input gives the same invoice.
	again, _ := billing.Compute(in)
	if again.Total != inv.Total || len(again.Lines) != len(inv.Lines) {
		t.Error("Compute is not repeatable")
	}
}

func TestCreditTiersAndCap(t *testing.T) {
	per := billing.Month(2026, time.November, time.UTC)
	one := []billing.MailboxUsage{{Mailbox: "a@x.example", Active: []billing.Interval{{From: per.From}}}}
	for _, tt := range []struct {
		name          string
		uptimes       []int64 // ppm, one service each
		deliv, within int64
		wantBP        int64
		wantCredit    billing.Money
	}{
		{"met", []int64{1_000_000}, 100, 100, 0, 0},
		{"no service measured, no deliveries: nothing missed", nil, 0, 0, 0, 0},
		{"exactly on target", []int64{999000}, 10, 9, 0, 0},
		{"below 99.9", []int64{998000}, 0, 0, 1000, 50},
		{"below 99", []int64{980000}, 0, 0, 2500, 125},
		{"the largest of two services' credits", []int64{998000, 980000}, 0, 0, 2500, 125},
		{"below 95, latency missed, capped", []int64{900000}, 10, 1, 5000, 250},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var figs []sla.Figures
			for i, u := range tt.uptimes {
				figs = append(figs, sla.Figures{Service: fmt.Sprintf("svc%d", i), UptimePPM: u})
			}
			inv, err := billing.Compute(billing.Input{Customer: "x", Plan: plan(), Period: per, Mailboxes: one,
				Service: billing.Service{Figures: figs, Deliveries: tt.deliv, DeliveredWithin: tt.within}})
			if err != nil {
				t.Fatal(err)
			}
			if inv.Evidence.CreditBP != tt.wantBP || inv.Credit != tt.wantCredit {
				t.Errorf("credit %d bp = %d, want %d bp = %d", inv.Evidence.CreditBP, inv.Credit, tt.wantBP, tt.wantCredit)
			}
		})
	}
}

// A plan's SLA names the services it covers, each with its terms (a
// preset, edited): services it does not name earn nothing.
func TestPerServiceTerms(t *testing.T) {
	per := billing.Month(2026, time.November, time.UTC)
	one := []billing.MailboxUsage{{Mailbox: "a@x.example", Active: []billing.Interval{{From: per.From}}}}
	p := plan()
	smtp := sla.Presets["credits-25-50-100"]
	smtp.Service = "smtp"
	imap := sla.Presets["credits-10-25-100"]
	imap.Service, imap.TargetPPM, imap.Tiers = "imap", 995000, []sla.Tier{{BelowPPM: 995000, CreditBP: 1000}, {BelowPPM: 990000, CreditBP: 2500}}
	p.SLA.AvailabilityTargetPPM, p.SLA.Tiers, p.SLA.Services, p.SLA.CapBP = 0, nil, []sla.ServiceTerms{smtp, imap}, 0
	figs := []sla.Figures{{Service: "smtp", UptimePPM: 998500}, {Service: "imap", UptimePPM: 996000}, {Service: "webmail", UptimePPM: 500000}}
	inv, err := billing.Compute(billing.Input{Customer: "x", Plan: p, Period: per, Mailboxes: one, Service: billing.Service{Figures: figs}})
	if err != nil {
		t.Fatal(err)
	}
	e := inv.Evidence
	if e.CreditBP != 2500 || e.CreditService != "smtp" || len(e.Services) != 2 || !e.Services[1].Met || e.Services[1].CreditBP != 0 || inv.Credit != 125 {
		t.Errorf("evidence %+v, credit %d", e, inv.Credit)
	}
	// Both a plan-wide promise and services: refused.
	p.SLA.AvailabilityTargetPPM = 999000
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "either services") {
		t.Errorf("both: %v", err)
	}
}

// Days follow the customer's zone: a Berlin month starts at 23:00 UTC.
func TestPeriodInZone(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	p := billing.Month(2026, time.October, berlin)
	if got := len(p.Days()); got != 31 {
		t.Errorf("%d days in October", got)
	}
	if !p.From.UTC().Equal(time.Date(2026, 9, 30, 22, 0, 0, 0, time.UTC)) || p.To.Sub(p.From) != 31*24*time.Hour+time.Hour {
		t.Errorf("October in Berlin: %v – %v (DST ends on the 25th: one hour longer)", p.From.UTC(), p.To.UTC())
	}
}

func TestComputeRefusesBadInput(t *testing.T) {
	per := billing.Month(2026, time.November, time.UTC)
	bad := plan()
	bad.Currency = "euro"
	bad.SLA.CapBP = 20000
	if _, err := billing.Compute(billing.Input{Plan: bad, Period: per}); err == nil || !strings.Contains(err.Error(), "currency") || !strings.Contains(err.Error(), "basis points") {
		t.Errorf("bad plan: %v", err)
	}
	if _, err := billing.Compute(billing.Input{Plan: plan(), Period: billing.Period{From: per.To, To: per.From}}); err == nil {
		t.Error("reversed period accepted")
	}
	_, err := billing.Compute(billing.Input{Plan: plan(), Period: per, Mailboxes: []billing.MailboxUsage{{Mailbox: "a@x.example", DailyPeakBytes: []int64{1, 2}}}})
	if err == nil || !strings.Contains(err.Error(), "2 daily peaks for 30 days") {
		t.Errorf("short peaks: %v", err)
	}
}

func TestMoneyString(t *testing.T) {
	for m, want := range map[billing.Money]string{0: "0.00", 5: "0.05", 954: "9.54", -138: "-1.38", 123456: "1234.56"} {
		if got := m.String(); got != want {
			t.Errorf("%d → %q, want %q", m, got, want)
		}
	}
}

func TestCreditNote(t *testing.T) {
	inv := billing.Invoice{Customer: "acme", Currency: "EUR", Net: 802, Tax: 152, Total: 954}
	cn, err := billing.CreditNote(inv, 100, "wrong storage reading", 0)
	if err != nil || cn.Net != -100 || cn.Tax != -19 || cn.Total != -119 || cn.Lines[0].Kind != billing.LineCreditNote || cn.Lines[0].Amount != -100 {
		t.Fatalf("partial note = %+v, %v", cn, err)
	}
	// The rest: 954 − 119 = 835 back, its tax in the invoice's proportion.
	rest, err := billing.CreditNote(inv, 0, "cancelled", 119)
	if err != nil || rest.Total != -835 || rest.Tax != -133 || rest.Net != -702 {
		t.Fatalf("rest = %+v, %v", rest, err)
	}
	if _, err := billing.CreditNote(inv, 0, "again", 954); err == nil || !strings.Contains(err.Error(), "nothing left") {
		t.Errorf("crediting a fully credited invoice: %v", err)
	}
	if _, err := billing.CreditNote(inv, 800, "too much", 119); err == nil || !strings.Contains(err.Error(), "exceed") {
		t.Errorf("over-crediting: %v", err)
	}
	if _, err := billing.CreditNote(inv, 10, " ", 0); err == nil {
		t.Error("a note without a reason")
	}
	if _, err := billing.CreditNote(inv, -5, "x", 0); err == nil {
		t.Error("a negative amount")
	}
}

// An amount near 2^63 is "more than is left", with the amount it would
// be, exactly (net × tax rate overflowed int64 and answered "nothing left
// to credit", or a wrong amount).
func TestCreditNoteHugeAmount(t *testing.T) {
	inv := billing.Invoice{Net: 500, Tax: 95, Total: 595}
	for net, want := range map[billing.Money]string{
		math.MaxInt64:      "crediting 109758127238571832.10 would exceed what is left of the invoice (5.95 of 5.95)",
		1 << 62:            "crediting 54879063619285916.06 would exceed what is left of the invoice (5.95 of 5.95)",
		math.MaxInt64 / 95: "crediting 1155348707774440.34 would exceed what is left of the invoice (5.95 of 5.95)",
	} {
		if _, err := billing.CreditNote(inv, net, "x", 0); err == nil || err.Error() != want {
			t.Errorf("net %d: %v, want %q", int64(net), err, want)
		}
		if _, err := billing.CreditNote(inv, net, "x", 100); err == nil || !strings.Contains(err.Error(), "would exceed what is left of the invoice (4.95 of 5.95)") {
			t.Errorf("net %d after a credit of 1.00: %v", int64(net), err)
		}
	}
	if cn, err := billing.CreditNote(inv, 500, "all", 0); err != nil || cn.Total != -595 || cn.Tax != -95 {
		t.Errorf("everything = %+v, %v", cn, err)
	}
}
