package billing

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/sla"
)

// Money is an amount in minor units (cents) of a currency.
type Money int64

// String formats m with two decimals, whatever the currency: for logs
// and tests. Documents format money with its currency (FormatMoney).
func (m Money) String() string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%02d", sign, m/100, m%100)
}

// GB is the billing unit of bytes (decimal, as disks and bandwidth are sold).
const GB = 1_000_000_000

// SLA is the service level promised, and what missing it credits.
type SLA struct {
	// AvailabilityTargetPPM and Tiers are a plan-wide promise: they
	// cover every service (each measured by the minute, see package
	// sla), unless Services names the services covered.
	AvailabilityTargetPPM int64
	Tiers                 []CreditTier
	// Services are the services the SLA covers, each with its own target
	// and tiers (sla.Presets hold published ones).
	Services []sla.ServiceTerms
	// LatencyTarget and LatencySharePPM promise that at least that share
	// of deliveries take at most the target (e.g. 90 % within 60 s).
	LatencyTarget   time.Duration
	LatencySharePPM int64
	// LatencyCreditBP is credited when the latency promise is missed.
	LatencyCreditBP int64
	// CapBP caps the total credit (10000 = all of the fees).
	CapBP int64
}

// CreditTier credits CreditBP of the fees when a service's availability
// is below BelowPPM.
type CreditTier = sla.Tier

// Terms returns the SLA as the sla package measures it: the largest of
// the covered services' tier credits, plus the latency credit, capped.
func (s SLA) Terms() sla.Terms {
	t := sla.Terms{Services: s.Services, LatencyTarget: s.LatencyTarget, LatencySharePPM: s.LatencySharePPM,
		LatencyCreditBP: s.LatencyCreditBP, CapBP: s.CapBP}
	if len(s.Services) == 0 && (s.AvailabilityTargetPPM > 0 || len(s.Tiers) > 0) {
		t.Services = []sla.ServiceTerms{{TargetPPM: s.AvailabilityTargetPPM, Tiers: s.Tiers}}
	}
	return t
}

// SLAOf is the SLA of terms (Terms' inverse): terms covering every
// service alone ("" the only service) are the plan-wide promise, else
// each service's. Empty tier lists are nil.
func SLAOf(t sla.Terms) SLA {
	s := SLA{LatencyTarget: t.LatencyTarget, LatencySharePPM: t.LatencySharePPM, LatencyCreditBP: t.LatencyCreditBP, CapBP: t.CapBP}
	if len(t.Services) == 1 && t.Services[0].Service == "" {
		s.AvailabilityTargetPPM, s.Tiers = t.Services[0].TargetPPM, nilIfEmpty(t.Services[0].Tiers)
		return s
	}
	for _, sv := range t.Services {
		sv.Tiers = nilIfEmpty(sv.Tiers)
		s.Services = append(s.Services, sv)
	}
	return s
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// Period is the billed range [From, To); its days (for storage peaks) are
// those of From's location.
type Period struct {
	From, To time.Time
}

// Days returns the start of every day of the period.
func (p Period) Days() []time.Time {
	var out []time.Time
	for d := p.From; d.Before(p.To); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}

// Month returns the calendar month of t in loc as a Period.
func Month(year int, month time.Month, loc *time.Location) Period {
	from := time.Date(year, month, 1, 0, 0, 0, 0, loc)
	return Period{From: from, To: from.AddDate(0, 1, 0)}
}

// Interval is a stretch of time a mailbox existed: [From, To), To zero =
// still there.
type Interval struct {
	From, To time.Time
}

// MailboxUsage is what one mailbox used in the period.
type MailboxUsage struct {
	Mailbox string
	Active  []Interval
	// DailyPeakBytes is the largest storage seen each day of the period
	// (Period.Days order), carried forward over days without a reading.
	DailyPeakBytes []int64
	TransferBytes  int64 // in_bytes + out_bytes
	// SpanTransferBytes is TransferBytes within each of Input.Spans (in
	// their order), needed when there are several.
	SpanTransferBytes []int64
}

// Service is the period's measured service level.
type Service struct {
	// Figures are each service's minutes in the period (sla.Service.Figures):
	// the availability the SLA's tiers are measured against.
	Figures []sla.Figures
	// Checks and Successes count the probes' checks, for the record.
	Checks, Successes int64
	// Deliveries and DeliveredWithin count deliveries and those at most
	// the plan's latency target (a lower bound, from histogram buckets).
	Deliveries, DeliveredWithin int64
}

// Input is everything an invoice is computed from.
type Input struct {
	Customer string
	Plan     Plan
	Period   Period
	// Spans are the plans in force over parts of the period, in order,
	// when the customer's plan or its price changed during it; nil = Plan
	// over the whole period.
	Spans     []PlanSpan
	Mailboxes []MailboxUsage
	Service   Service
	// Seller and Buyer are printed on the invoice and decide its tax
	// (TaxFor) with TaxOverride, the customer's own rate (nil = none).
	Seller      Seller
	Buyer       Party
	TaxOverride *int64
}

// Line kinds.
const (
	LineFee      = "fee"
	LineStorage  = "storage"
	LineTransfer = "transfer"
	LineCredit   = "sla_credit"
	LineDomain   = "domain"  // the fee of a domain in use
	LineMinimum  = "minimum" // what brings the charges up to the plan's minimum
)

// Line is one billed item.
type Line struct {
	Kind        string
	Mailbox     string // "" for the credit
	Service     string // the credit's: the service whose downtime gives it ("" for latency alone)
	Description string
	Amount      Money
}

// Evidence are the measured figures the SLA credit rests on, printed on
// the invoice.
type Evidence struct {
	Checks, Successes int64 // the probes' checks, for the record
	// AvailabilityPPM is the lowest uptime of the covered services
	// (1000000 without any); AvailabilityMet that each met its target.
	AvailabilityPPM int64
	AvailabilityMet bool
	// Services are the covered services: uptime, downtime intervals and
	// the credit each earned; CreditService the one whose credit applies.
	Services             []sla.ServiceCredit
	CreditService        string
	Deliveries           int64
	DeliveredWithin      int64
	LatencySharePPM      int64
	LatencyTarget        time.Duration
	LatencyMet           bool
	CreditBP             int64 // applied, after the cap
	AvailabilityCreditBP int64
	LatencyCreditBP      int64
}

// Invoice is a computed invoice.
type Invoice struct {
	Customer string
	Plan     string
	Currency string
	Period   Period
	Lines    []Line
	Fees     Money // the fee lines: mailboxes, domains and the minimum charge
	Subtotal Money // fees, storage and transfer
	Credit   Money // SLA credit (positive; subtracted)
	Net      Money // Subtotal − Credit
	Tax      Money
	Total    Money
	Evidence Evidence
	Seller   Seller
	Buyer    Party
	TaxRate  TaxRate // Tax is Net at this rate
	// Preceding is the invoice a credit note corrects.
	Preceding Reference
}

// Reference names an earlier document: its number and issue date.
type Reference struct {
	Number    string
	IssueDate time.Time
}

// Compute computes an invoice. It is a pure function of its input: the
// lines of each plan in force (Input.Spans, see pricing.go), then the SLA
// credit on the fees, then tax on the net.
func Compute(in Input) (Invoice, error) {
	spans, err := in.spans()
	if err != nil {
		return Invoice{}, err
	}
	per, last := in.Period, spans[len(spans)-1].Plan
	inv := Invoice{Customer: in.Customer, Plan: planNames(spans), Currency: last.Currency, Period: per, Seller: in.Seller, Buyer: in.Buyer,
		TaxRate: TaxFor(last, in.Seller.Party, in.Buyer, in.TaxOverride)}
	mbs := slices.Clone(in.Mailboxes)
	slices.SortFunc(mbs, func(a, b MailboxUsage) int { return strings.Compare(a.Mailbox, b.Mailbox) })
	days := len(per.Days())
	for _, m := range mbs {
		if len(m.DailyPeakBytes) != 0 && len(m.DailyPeakBytes) != days {
			return Invoice{}, fmt.Errorf("mailbox %s: %d daily peaks for %d days", m.Mailbox, len(m.DailyPeakBytes), days)
		}
		if len(spans) > 1 && len(m.SpanTransferBytes) != len(spans) {
			return Invoice{}, fmt.Errorf("mailbox %s: transfer of %d spans for %d plans in force", m.Mailbox, len(m.SpanTransferBytes), len(spans))
		}
	}
	prices := make([]spanPricing, len(spans))
	for i, sp := range spans {
		prices[i] = newSpanPricing(sp, i, per, len(spans) > 1)
	}
	for _, m := range mbs {
		for _, sp := range prices {
			inv.Lines = append(inv.Lines, sp.mailboxLines(m)...)
		}
	}
	for _, sp := range prices {
		inv.Lines = append(inv.Lines, sp.customerLines(mbs)...)
	}
	for _, l := range inv.Lines {
		inv.Subtotal += l.Amount
		if l.Kind == LineFee || l.Kind == LineDomain || l.Kind == LineMinimum {
			inv.Fees += l.Amount
		}
	}
	inv.Evidence = evidence(in.Service, last.SLA)
	if bp := inv.Evidence.CreditBP; bp > 0 && inv.Fees > 0 {
		inv.Credit = round(big.NewRat(int64(inv.Fees)*bp, 10000))
		inv.Lines = append(inv.Lines, Line{Kind: LineCredit, Service: inv.Evidence.CreditService, Description: creditText(inv.Evidence), Amount: -inv.Credit})
	}
	inv.Net = inv.Subtotal - inv.Credit
	inv.Tax = taxOn(inv.Net, inv.TaxRate)
	inv.Total = inv.Net + inv.Tax
	return inv, nil
}

// evidence measures the service against the SLA and picks the credit.
func evidence(s Service, terms SLA) Evidence {
	c := terms.Terms().Credit(s.Figures, s.Deliveries, s.DeliveredWithin)
	e := Evidence{Checks: s.Checks, Successes: s.Successes, AvailabilityPPM: 1_000_000, AvailabilityMet: true,
		Services: c.Services, CreditService: c.Service, Deliveries: s.Deliveries, DeliveredWithin: s.DeliveredWithin,
		LatencySharePPM: c.LatencySharePPM, LatencyTarget: terms.LatencyTarget, LatencyMet: c.LatencyMet,
		CreditBP: c.CreditBP, AvailabilityCreditBP: c.AvailabilityCreditBP, LatencyCreditBP: c.LatencyCreditBP}
	for _, sc := range c.Services {
		e.AvailabilityPPM = min(e.AvailabilityPPM, sc.UptimePPM)
		e.AvailabilityMet = e.AvailabilityMet && sc.Met
	}
	return e
}

// creditText names the service whose credit applies, its uptime and
// downtime, and the latency figure.
func creditText(e Evidence) string {
	avail := "every covered service met its target"
	for _, sc := range e.Services {
		if sc.Service == e.CreditService {
			avail = fmt.Sprintf("%s uptime %s%% (%d min down: %s)", sc.Service, ppm(sc.UptimePPM), sc.DowntimeMinutes, intervals(sc.Downtime))
		}
	}
	return fmt.Sprintf("SLA credit %s%% of the fees: %s; %s%% of deliveries within %s",
		bp(e.CreditBP), avail, ppm(e.LatencySharePPM), e.LatencyTarget)
}

// maxIntervals bounds the downtime intervals a credit line lists.
const maxIntervals = 5

// intervals lists downtime intervals in their zone: "11-07 03:00–04:26
// CET, …", the first maxIntervals and how many more.
func intervals(os []sla.Outage) string {
	var parts []string
	for i, o := range os {
		if i == maxIntervals {
			parts = append(parts, fmt.Sprintf("and %d more", len(os)-maxIntervals))
			break
		}
		end := o.End.Format("15:04 MST")
		if o.End.YearDay() != o.Start.YearDay() || o.End.Year() != o.Start.Year() {
			end = o.End.Format("01-02 15:04 MST")
		}
		parts = append(parts, o.Start.Format("01-02 15:04")+"–"+end)
	}
	if len(parts) == 0 {
		return "none counted"
	}
	return strings.Join(parts, ", ")
}

// activeSeconds sums the seconds of the intervals inside the period.
func activeSeconds(ivs []Interval, per Period) int64 {
	var total time.Duration
	for _, iv := range ivs {
		from, to := iv.From, iv.To
		if to.IsZero() || to.After(per.To) {
			to = per.To
		}
		if from.Before(per.From) {
			from = per.From
		}
		if to.After(from) {
			total += to.Sub(from)
		}
	}
	return int64(total / time.Second)
}

func ratInt(n int64) *big.Rat { return new(big.Rat).SetInt64(n) }

func mul(a, b *big.Rat) *big.Rat { return new(big.Rat).Mul(a, b) }

// round rounds half away from zero to whole minor units.
func round(r *big.Rat) Money { return Money(roundInt(r).Int64()) }

// roundInt rounds half away from zero, exactly.
func roundInt(r *big.Rat) *big.Int {
	num, den := new(big.Int).Set(r.Num()), r.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	if rem.Mul(rem, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	return q
}

func percent(r *big.Rat) string { return new(big.Rat).Mul(r, big.NewRat(100, 1)).FloatString(2) + "%" }

func gb(bytes *big.Rat) string { return new(big.Rat).Quo(bytes, big.NewRat(GB, 1)).FloatString(3) }

func ppm(v int64) string { return big.NewRat(v, 10000).FloatString(3) }

func bp(v int64) string { return big.NewRat(v, 100).FloatString(2) }

// LineCreditNote is the line of a credit note.
const LineCreditNote = "credit_note"

// CreditNote computes a credit note against a final invoice: net (minor
// units, positive; 0 = everything not yet credited) back, with tax at the
// invoice's own rate. credited is what earlier notes gave back (their
// totals, positive). Nothing beyond the invoice's total can be credited,
// whatever net is (the arithmetic is exact up to 2^63 and beyond).
func CreditNote(inv Invoice, net Money, reason string, credited Money) (Invoice, error) {
	if strings.TrimSpace(reason) == "" {
		return Invoice{}, errors.New("a credit note needs a reason")
	}
	if net < 0 {
		return Invoice{}, errors.New("the amount to credit must be positive")
	}
	left := inv.Total - credited
	var tax *big.Int
	switch {
	case net == 0 && left > 0:
		// Everything left: its net and tax in the invoice's proportion.
		tax = roundInt(mul(ratInt(int64(left)), big.NewRat(int64(inv.Tax), max(int64(inv.Total), 1))))
		net = left - Money(tax.Int64()) // tax is a share of left: it fits
	case inv.Net != 0:
		tax = roundInt(mul(ratInt(int64(net)), big.NewRat(int64(inv.Tax), int64(inv.Net))))
	default:
		tax = new(big.Int)
	}
	total := new(big.Int).Add(big.NewInt(int64(net)), tax)
	if total.Sign() <= 0 {
		return Invoice{}, fmt.Errorf("nothing left to credit: %s of %s already credited", FormatMoney(credited, inv.Currency), FormatMoney(inv.Total, inv.Currency))
	}
	if total.Cmp(big.NewInt(int64(left))) > 0 {
		return Invoice{}, fmt.Errorf("crediting %s would exceed what is left of the invoice (%s of %s)", bigMoney(total, inv.Currency),
			FormatMoney(left, inv.Currency), FormatMoney(inv.Total, inv.Currency))
	}
	t := Money(tax.Int64()) // net + tax ≤ left: both fit
	return Invoice{Customer: inv.Customer, Plan: inv.Plan, Currency: inv.Currency, Period: inv.Period,
		Seller: inv.Seller, Buyer: inv.Buyer, TaxRate: inv.Rate(),
		Lines:    []Line{{Kind: LineCreditNote, Description: reason, Amount: -net}},
		Subtotal: -net, Net: -net, Tax: -t, Total: -(net + t)}, nil
}

// bigMoney formats minor units like FormatMoney, for amounts that may not
// fit in Money.
func bigMoney(n *big.Int, currency string) string {
	exp, ok := Exponent(currency)
	if !ok {
		exp = 2
	}
	return new(big.Rat).SetFrac(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil)).FloatString(exp)
}
