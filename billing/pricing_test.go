package billing_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/billing"
)

var nov = billing.Month(2026, time.November, time.UTC)

func novDay(d int) time.Time { return time.Date(2026, time.November, d, 0, 0, 0, 0, time.UTC) }

func since(from time.Time) []billing.Interval { return []billing.Interval{{From: from}} }

func flat(gb int64) []int64 { return peaks(30, func(int) int64 { return gb * billing.GB }) }

type wantLine struct {
	kind, mailbox string
	amount        billing.Money
	text          string // part of the description, if set
}

func checkLines(t *testing.T, inv billing.Invoice, want []wantLine) {
	t.Helper()
	if len(inv.Lines) != len(want) {
		for _, l := range inv.Lines {
			t.Logf("%+v", l)
		}
		t.Fatalf("%d lines, want %d", len(inv.Lines), len(want))
	}
	for i, w := range want {
		l := inv.Lines[i]
		if l.Kind != w.kind || l.Mailbox != w.mailbox || l.Amount != w.amount || !strings.Contains(l.Description, w.text) {
			t.Errorf("line %d = %+v, want %+v", i, l, w)
		}
	}
}

func compute(t *testing.T, in billing.Input) billing.Invoice {
	t.Helper()
	if in.Period == (billing.Period{}) {
		in.Period = nov
	}
	inv, err := billing.Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// Storage included per mailbox against the same included pooled over the
// customer: alice stores 25 GB all month, bob 1 GB, carol (from the 16th)
// nothing; 10 GB are included per mailbox at 0.10 per GB-month over.
// Per mailbox: alice is 15 GB over (1.50), bob and carol under. Pooled:
// 10 + 10 + 5 (carol's half month) = 25 GB-month for 25 + 1 + 0 = 26
// used: 1 GB over, 0.10.
func TestPooledStorage(t *testing.T) {
	mbs := []billing.MailboxUsage{
		{Mailbox: "alice@acme.example", Active: since(novDay(1)), DailyPeakBytes: flat(25)},
		{Mailbox: "bob@acme.example", Active: since(novDay(1)), DailyPeakBytes: flat(1)},
		{Mailbox: "carol@acme.example", Active: since(novDay(16)), DailyPeakBytes: flat(0)},
	}
	p := billing.Plan{Name: "pool", Currency: "EUR", IncludedStorage: 10 * billing.GB, StoragePerGBMonth: 10}
	inv := compute(t, billing.Input{Plan: p, Mailboxes: mbs})
	fees := []wantLine{{billing.LineFee, "alice@acme.example", 0, "100.00%"}, {billing.LineFee, "bob@acme.example", 0, "100.00%"},
		{billing.LineFee, "carol@acme.example", 0, "50.00%"}}
	checkLines(t, inv, []wantLine{fees[0], {billing.LineStorage, "alice@acme.example", 150, "15.000 GB-month"}, fees[1], fees[2]})
	p.StoragePooled = true
	inv = compute(t, billing.Input{Plan: p, Mailboxes: mbs})
	checkLines(t, inv, []wantLine{fees[0], fees[1], fees[2], {billing.LineStorage, "", 10, "Storage over the pooled inclusion of 25.000 GB-month: 1.000 GB-month"}})
	if inv.Total != 10 || inv.Fees != 0 {
		t.Errorf("total %d fees %d", inv.Total, inv.Fees)
	}
}

// Graduated tiers: storage 24 GB over the included: the first 10 GB at
// 0.10 (1.00), the 14 beyond at 0.05 (0.70): 1.70. Transfer of 30 GB with
// nothing included: 5 GB at 0.20 (1.00), the next 15 at 0.10 (1.50), the
// last 10 at 0.01 (0.10): 2.60. Dave, half the month, has half the tier
// bounds: 12 GB over (his 12.5 GB mean less 0.5 included) = 5 at 0.10
// and 7 at 0.05 = 0.85.
func TestGraduatedTiers(t *testing.T) {
	p := billing.Plan{Name: "tiers", Currency: "EUR", IncludedStorage: billing.GB,
		StorageTiers:  []billing.Tier{{UpToGB: 10, PerGB: 10}, {PerGB: 5}},
		TransferTiers: []billing.Tier{{UpToGB: 5, PerGB: 20}, {UpToGB: 20, PerGB: 10}, {PerGB: 1}}}
	inv := compute(t, billing.Input{Plan: p, Mailboxes: []billing.MailboxUsage{
		{Mailbox: "alice@acme.example", Active: since(novDay(1)), DailyPeakBytes: flat(25), TransferBytes: 30 * billing.GB},
	}})
	checkLines(t, inv, []wantLine{{billing.LineFee, "alice@acme.example", 0, ""},
		{billing.LineStorage, "alice@acme.example", 170, "24.000 GB-month (10.000 GB at 0.10, 14.000 GB at 0.05)"},
		{billing.LineTransfer, "alice@acme.example", 260, "30.000 GB (5.000 GB at 0.20, 15.000 GB at 0.10, 10.000 GB at 0.01)"},
	})
	if inv.Total != 430 {
		t.Errorf("total %d", inv.Total)
	}
	// A plan in force for half the month halves the bounds too.
	half := compute(t, billing.Input{Spans: []billing.PlanSpan{{Plan: p, From: novDay(16), To: nov.To}}, Mailboxes: []billing.MailboxUsage{
		{Mailbox: "dave@acme.example", Active: since(novDay(1)), DailyPeakBytes: flat(25), SpanTransferBytes: []int64{0}},
	}})
	checkLines(t, half, []wantLine{{billing.LineFee, "dave@acme.example", 0, "50.00%"}, {billing.LineStorage, "dave@acme.example", 85, "12.000 GB-month (5.000 GB at 0.10, 7.000 GB at 0.05)"}})
}

// A fee per domain in use, prorated by the time any of its mailboxes
// existed: acme all month (2.00); globex while bob (1st to 16th) or carol
// (11th to 21st) existed, the 1st to the 21st: 20 of 30 days = 1.33.
// The minimum charge of 20.00 lifts the charges (mailbox fees of 1.00
// prorated: 1.00 + 0.50 + 0.33, and the domains 2.00 + 1.33) = 5.16 to
// 20.00 with a line of 14.84; 10 % tax on 20.00.
func TestDomainFeeAndMinimum(t *testing.T) {
	p := billing.Plan{Name: "biz", Currency: "EUR", MonthlyFee: 100, DomainFee: 200, MinimumCharge: 2000, TaxBasisPoints: 1000}
	inv := compute(t, billing.Input{Plan: p, Mailboxes: []billing.MailboxUsage{
		{Mailbox: "alice@acme.example", Active: since(novDay(1))},
		{Mailbox: "bob@globex.example", Active: []billing.Interval{{From: novDay(1), To: novDay(16)}}},
		{Mailbox: "carol@globex.example", Active: []billing.Interval{{From: novDay(11), To: novDay(21)}}},
	}})
	checkLines(t, inv, []wantLine{
		{billing.LineFee, "alice@acme.example", 100, "100.00% of the period"},
		{billing.LineFee, "bob@globex.example", 50, "50.00%"},
		{billing.LineFee, "carol@globex.example", 33, "33.33%"},
		{billing.LineDomain, "", 200, "Domain acme.example, 100.00% of the period"},
		{billing.LineDomain, "", 133, "Domain globex.example, 66.67% of the period"},
		{billing.LineMinimum, "", 1484, "Minimum charge EUR 20.00 for 100.00% of the period; charges came to 5.16"},
	})
	if inv.Fees != 2000 || inv.Subtotal != 2000 || inv.Tax != 200 || inv.Total != 2200 {
		t.Errorf("fees %d subtotal %d tax %d total %d", inv.Fees, inv.Subtotal, inv.Tax, inv.Total)
	}
	// Charges of 3.00 above a minimum of 2.00: nothing is added.
	p.MinimumCharge = 200
	inv = compute(t, billing.Input{Plan: p, Mailboxes: []billing.MailboxUsage{{Mailbox: "alice@acme.example", Active: since(novDay(1))}}})
	checkLines(t, inv, []wantLine{{billing.LineFee, "alice@acme.example", 100, ""}, {billing.LineDomain, "", 200, "acme.example"}})
}

// A customer moves from basic to pro on the 16th: each plan's fees,
// inclusions and minimum for the time it was in force. Alice stores 5 GB
// all month and transfers 3 GB on basic, 1 GB on pro.
//
//	basic (15 of 30 days): fee 5.00 × 1/2 = 2.50; storage 15 × 5 GB / 30 =
//	2.5 GB-month less 1 GB × 1/2 included = 2 GB × 0.10 = 0.20; transfer
//	3 GB less 2 GB × 1/2 = 2 GB × 1.00 = 2.00.
//	pro (15 of 30): fee 8.00 × 1/2 = 4.00; 2.5 GB-month against 5 included:
//	nothing; minimum 20.00 × 1/2 = 10.00 against 4.00: 6.00.
//	Fees 2.50 + 4.00 + 6.00 = 12.50, subtotal 14.70, tax 19 % = 2.793 →
//	2.79, total 17.49.
func TestMidMonthPlanChange(t *testing.T) {
	basic := billing.Plan{Name: "basic", Currency: "EUR", MonthlyFee: 500, IncludedStorage: billing.GB, StoragePerGBMonth: 10,
		IncludedTransfer: 2 * billing.GB, TransferPerGB: 100, TaxBasisPoints: 1900}
	pro := billing.Plan{Name: "pro", Currency: "EUR", MonthlyFee: 800, IncludedStorage: 10 * billing.GB, StoragePerGBMonth: 5,
		MinimumCharge: 2000, TaxBasisPoints: 1900}
	inv := compute(t, billing.Input{Spans: []billing.PlanSpan{{Plan: basic, From: novDay(1), To: novDay(16)}, {Plan: pro, From: novDay(16), To: nov.To}},
		Mailboxes: []billing.MailboxUsage{{Mailbox: "alice@acme.example", Active: since(novDay(1)), DailyPeakBytes: flat(5),
			TransferBytes: 4 * billing.GB, SpanTransferBytes: []int64{3 * billing.GB, billing.GB}}}})
	checkLines(t, inv, []wantLine{
		{billing.LineFee, "alice@acme.example", 250, "50.00% of the period (plan basic from 2026-11-01)"},
		{billing.LineStorage, "alice@acme.example", 20, "2.000 GB-month (plan basic"},
		{billing.LineTransfer, "alice@acme.example", 200, "2.000 GB (plan basic"},
		{billing.LineFee, "alice@acme.example", 400, "(plan pro from 2026-11-16)"},
		{billing.LineMinimum, "", 600, "Minimum charge EUR 10.00 for 50.00% of the period; charges came to 4.00 (plan pro"},
	})
	if inv.Plan != "basic, pro" || inv.Fees != 1250 || inv.Subtotal != 1470 || inv.Tax != 279 || inv.Total != 1749 {
		t.Errorf("plan %q fees %d subtotal %d tax %d total %d", inv.Plan, inv.Fees, inv.Subtotal, inv.Tax, inv.Total)
	}
	// Spans in another currency, overlapping, or without their transfer are refused.
	pro.Currency = "USD"
	for _, in := range []billing.Input{
		{Spans: []billing.PlanSpan{{Plan: basic, From: novDay(1), To: novDay(16)}, {Plan: pro, From: novDay(16), To: nov.To}}},
		{Spans: []billing.PlanSpan{{Plan: basic, From: novDay(1), To: novDay(16)}, {Plan: basic, From: novDay(10), To: nov.To}}},
		{Spans: []billing.PlanSpan{{Plan: basic, From: novDay(1), To: novDay(16)}, {Plan: basic, From: novDay(16), To: nov.To}},
			Mailboxes: []billing.MailboxUsage{{Mailbox: "a@x.example", Active: since(novDay(1))}}},
	} {
		in.Period = nov
		if _, err := billing.Compute(in); err == nil {
			t.Errorf("accepted %+v", in.Spans)
		}
	}
}

// The same month in three currencies: one mailbox for 10 of 30 days at a
// fee of 500 minor units, 10 % tax. JPY (no decimals): ¥166.67 → ¥167,
// tax 16.7 → 17, total ¥184. EUR: 1.67, 0.17, 1.84. BHD (3 decimals), a
// fee of 1.250: 0.41667 → 0.417, tax 0.0417 → 0.042, total 0.459.
func TestComputeInCurrencies(t *testing.T) {
	for _, c := range []struct {
		code            string
		fee             string
		feeLine, total  billing.Money
		printed, taxTxt string
	}{
		{"JPY", "500", 167, 184, "184", "17"}, {"EUR", "5.00", 167, 184, "1.84", "0.17"}, {"BHD", "1.250", 417, 459, "0.459", "0.042"},
	} {
		fee, err := billing.ParseMoney(c.fee, c.code)
		if err != nil {
			t.Fatal(err)
		}
		inv := compute(t, billing.Input{Plan: billing.Plan{Name: "p", Currency: c.code, MonthlyFee: fee, TaxBasisPoints: 1000},
			Mailboxes: []billing.MailboxUsage{{Mailbox: "a@acme.example", Active: []billing.Interval{{From: novDay(1), To: novDay(11)}}}}})
		if inv.Lines[0].Amount != c.feeLine || inv.Total != c.total || billing.FormatMoney(inv.Total, c.code) != c.printed ||
			billing.FormatMoney(inv.Tax, c.code) != c.taxTxt {
			t.Errorf("%s: fee %d total %d (%s) tax %s", c.code, inv.Lines[0].Amount, inv.Total, billing.FormatMoney(inv.Total, c.code), billing.FormatMoney(inv.Tax, c.code))
		}
	}
}
