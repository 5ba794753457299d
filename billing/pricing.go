package billing

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
)

// PlanSpan is a plan in force over part of a period, [From, To).
type PlanSpan struct {
	Plan     Plan
	From, To time.Time
}

// spans returns the plans in force over the period, checked: Plan over
// all of it without Spans; Spans otherwise, in order, clipped to the
// period, in one currency.
func (in Input) spans() ([]PlanSpan, error) {
	per := in.Period
	if !per.From.Before(per.To) {
		return nil, errors.New("period: from must be before to")
	}
	spans := in.Spans
	if len(spans) == 0 {
		spans = []PlanSpan{{Plan: in.Plan, From: per.From, To: per.To}}
	}
	out := make([]PlanSpan, 0, len(spans))
	for i, sp := range spans {
		if err := sp.Plan.Validate(); err != nil {
			return nil, fmt.Errorf("plan %s: %w", sp.Plan.Name, err)
		}
		if sp.Plan.Currency != spans[0].Plan.Currency {
			return nil, fmt.Errorf("plan %s is priced in %s, plan %s in %s: an invoice has one currency", sp.Plan.Name, sp.Plan.Currency, spans[0].Plan.Name, spans[0].Plan.Currency)
		}
		if i > 0 && sp.From.Before(spans[i-1].To) {
			return nil, fmt.Errorf("plan spans overlap or are out of order at %s", sp.From.Format(time.RFC3339))
		}
		sp.From, sp.To = later(sp.From, per.From), earlier(sp.To, per.To)
		if !sp.From.Before(sp.To) {
			return nil, fmt.Errorf("plan %s: span %s to %s is outside the period", sp.Plan.Name, sp.From.Format(time.RFC3339), sp.To.Format(time.RFC3339))
		}
		out = append(out, sp)
	}
	return out, nil
}

// planNames is what an invoice names as its plan: the plans in force, in
// order, each once ("basic, pro").
func planNames(spans []PlanSpan) string {
	var names []string
	for _, sp := range spans {
		if !slices.Contains(names, sp.Plan.Name) {
			names = append(names, sp.Plan.Name)
		}
	}
	return strings.Join(names, ", ")
}

// spanPricing prices the part of a period one plan was in force.
type spanPricing struct {
	PlanSpan
	index      int      // of the span, for SpanTransferBytes
	per        Period   // the whole period
	periodSecs *big.Rat // its seconds
	days       int      // its days
	dayIdx     []int    // the period's days (by index) that start in the span
	share      *big.Rat // of the period the span covers
	suffix     string   // " (plan X from DATE)" when there are several spans
}

func newSpanPricing(sp PlanSpan, index int, per Period, several bool) spanPricing {
	secs := int64(per.To.Sub(per.From) / time.Second)
	c := spanPricing{PlanSpan: sp, index: index, per: per, periodSecs: big.NewRat(secs, 1)}
	all := per.Days()
	c.days = len(all)
	for i, d := range all {
		if !d.Before(sp.From) && d.Before(sp.To) {
			c.dayIdx = append(c.dayIdx, i)
		}
	}
	c.share = big.NewRat(int64(sp.To.Sub(sp.From)/time.Second), secs)
	if several {
		c.suffix = fmt.Sprintf(" (plan %s from %s)", sp.Plan.Name, sp.From.Format(dateFormat))
	}
	return c
}

// mailboxShare is the share of the period a mailbox existed while the
// span's plan was in force.
func (c spanPricing) mailboxShare(m MailboxUsage) *big.Rat {
	return new(big.Rat).Quo(big.NewRat(activeSeconds(m.Active, Period{c.From, c.To}), 1), c.periodSecs)
}

// byteMonths is a mailbox's storage in the span in byte-months: the sum of
// its daily peaks on the span's days over the period's days.
func (c spanPricing) byteMonths(m MailboxUsage) *big.Rat {
	if len(m.DailyPeakBytes) == 0 || c.days == 0 {
		return new(big.Rat)
	}
	var s int64
	for _, d := range c.dayIdx {
		s += m.DailyPeakBytes[d]
	}
	return big.NewRat(s, int64(c.days))
}

func (c spanPricing) transfer(m MailboxUsage) int64 {
	if len(m.SpanTransferBytes) > 0 {
		return m.SpanTransferBytes[c.index]
	}
	return m.TransferBytes
}

// mailboxLines are a mailbox's fee, storage (unless pooled) and transfer
// in the span.
func (c spanPricing) mailboxLines(m MailboxUsage) []Line {
	p, share := c.Plan, c.mailboxShare(m)
	var out []Line
	if share.Sign() > 0 {
		fee := round(mul(share, ratInt(int64(p.MonthlyFee))))
		out = append(out, Line{LineFee, m.Mailbox, "", fmt.Sprintf("Mailbox %s, %s of the period%s", m.Mailbox, percent(share), c.suffix), fee})
	}
	if !p.StoragePooled {
		over := new(big.Rat).Sub(c.byteMonths(m), mul(share, ratInt(p.IncludedStorage)))
		if amount, text, ok := c.tiered(over, p.storageTiers()); ok {
			out = append(out, Line{LineStorage, m.Mailbox, "",
				fmt.Sprintf("Storage of %s over the included: %s GB-month%s%s", m.Mailbox, gb(over), text, c.suffix), amount})
		}
	}
	over := new(big.Rat).Sub(ratInt(c.transfer(m)), mul(share, ratInt(p.IncludedTransfer)))
	if amount, text, ok := c.tiered(over, p.transferTiers()); ok {
		out = append(out, Line{LineTransfer, m.Mailbox, "",
			fmt.Sprintf("Transfer of %s over the included: %s GB%s%s", m.Mailbox, gb(over), text, c.suffix), amount})
	}
	return out
}

// customerLines are the span's lines of no mailbox: a fee per domain in
// use, the pooled storage over the pool, and what brings the span's
// charges up to the plan's minimum.
func (c spanPricing) customerLines(mbs []MailboxUsage) []Line {
	p := c.Plan
	var out []Line
	if p.DomainFee > 0 {
		for _, d := range domainsInUse(mbs) {
			share := new(big.Rat).Quo(big.NewRat(activeSeconds(unionOf(d.active), Period{c.From, c.To}), 1), c.periodSecs)
			if share.Sign() > 0 {
				out = append(out, Line{LineDomain, "", "", fmt.Sprintf("Domain %s, %s of the period%s", d.name, percent(share), c.suffix),
					round(mul(share, ratInt(int64(p.DomainFee))))})
			}
		}
	}
	if p.StoragePooled {
		used, pool := new(big.Rat), new(big.Rat)
		for _, m := range mbs {
			used.Add(used, c.byteMonths(m))
			pool.Add(pool, mul(c.mailboxShare(m), ratInt(p.IncludedStorage)))
		}
		over := new(big.Rat).Sub(used, pool)
		if amount, text, ok := c.tiered(over, p.storageTiers()); ok {
			out = append(out, Line{LineStorage, "", "", fmt.Sprintf("Storage over the pooled inclusion of %s GB-month: %s GB-month%s%s",
				gb(pool), gb(over), text, c.suffix), amount})
		}
	}
	if p.MinimumCharge > 0 {
		var charged Money
		for _, m := range mbs {
			for _, l := range c.mailboxLines(m) {
				charged += l.Amount
			}
		}
		for _, l := range out {
			charged += l.Amount
		}
		least := round(mul(c.share, ratInt(int64(p.MinimumCharge))))
		if charged < least {
			out = append(out, Line{LineMinimum, "", "", fmt.Sprintf("Minimum charge %s %s for %s of the period; charges came to %s%s",
				p.Currency, FormatMoney(least, p.Currency), percent(c.share), FormatMoney(charged, p.Currency), c.suffix), least - charged})
		}
	}
	return out
}

// tiered prices bytes over the included through graduated tiers whose
// bounds are prorated by the span's share of the period: the amount,
// rounded once, and, when more than one tier was reached, the breakdown
// (", 10.000 GB at 0.10, 2.000 GB at 0.05"). ok is false when nothing is
// over or the price is zero.
func (c spanPricing) tiered(over *big.Rat, tiers []Tier) (Money, string, bool) {
	if over.Sign() <= 0 {
		return 0, "", false
	}
	left, total, lower := new(big.Rat).Set(over), new(big.Rat), new(big.Rat)
	var parts []string
	for _, t := range tiers {
		chunk := new(big.Rat).Set(left)
		if t.UpToGB > 0 {
			upper := mul(c.share, ratInt(t.UpToGB*GB))
			if width := new(big.Rat).Sub(upper, lower); chunk.Cmp(width) > 0 {
				chunk = width
			}
			lower = upper
		}
		if chunk.Sign() <= 0 {
			continue
		}
		total.Add(total, mul(chunk, big.NewRat(int64(t.PerGB), GB)))
		parts = append(parts, fmt.Sprintf("%s GB at %s", gb(chunk), FormatMoney(t.PerGB, c.Plan.Currency)))
		left.Sub(left, chunk)
		if left.Sign() <= 0 {
			break
		}
	}
	if total.Sign() == 0 {
		return 0, "", false
	}
	text := ""
	if len(tiers) > 1 {
		text = " (" + strings.Join(parts, ", ") + ")"
	}
	return round(total), text, true
}

type domainUse struct {
	name   string
	active []Interval
}

// domainsInUse gathers the mailboxes' lifetimes by domain, in order.
func domainsInUse(mbs []MailboxUsage) []domainUse {
	var out []domainUse
	idx := map[string]int{}
	for _, m := range mbs {
		dom := m.Mailbox[strings.LastIndexByte(m.Mailbox, '@')+1:]
		i, ok := idx[dom]
		if !ok {
			i = len(out)
			idx[dom] = i
			out = append(out, domainUse{name: dom})
		}
		out[i].active = append(out[i].active, m.Active...)
	}
	slices.SortFunc(out, func(a, b domainUse) int { return strings.Compare(a.name, b.name) })
	return out
}

// unionOf merges overlapping intervals, so time two mailboxes shared
// counts once.
func unionOf(ivs []Interval) []Interval {
	far := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	sorted := make([]Interval, len(ivs))
	for i, iv := range ivs {
		if iv.To.IsZero() {
			iv.To = far
		}
		sorted[i] = iv
	}
	slices.SortFunc(sorted, func(a, b Interval) int { return a.From.Compare(b.From) })
	var out []Interval
	for _, iv := range sorted {
		if n := len(out); n > 0 && !iv.From.After(out[n-1].To) {
			out[n-1].To = later(out[n-1].To, iv.To)
			continue
		}
		out = append(out, iv)
	}
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
