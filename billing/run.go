package billing

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/sla"
)

// Sources are where a run reads customers, their plans and usage.
type Sources struct {
	Directory directory.Store
	// History is the customers' plans over time; nil = each customer's
	// plan over every period.
	History directory.PlanHistory
	Plans   PlanStore
	Usage   metering.UsageStore
	Series  metering.SeriesStore
	// Levels measures the services' minutes; nil = no service measured
	// (no availability credit).
	Levels Levels
}

// Levels measures services over a period (sla.Service does).
type Levels interface {
	// Figures returns every service's figures over [from, to), times in
	// from's zone.
	Figures(ctx context.Context, from, to time.Time) ([]sla.Figures, error)
}

// Runner computes invoices of a period and keeps them as drafts.
type Runner struct {
	src      Sources
	invoices *Invoices
	seller   Seller
	now      func() time.Time
}

// NewRunner returns a Runner pricing each customer by the versions of its
// plans in force over the period (src.Plans, src.History).
func NewRunner(src Sources, store Store, now func() time.Time) *Runner {
	return &Runner{src: src, invoices: NewInvoices(store, now), now: now}
}

// WithSeller makes the invoices r computes come from seller (printed on
// them, and deciding their tax with the buyer: see TaxFor). It returns r.
func (r *Runner) WithSeller(seller Seller) *Runner {
	r.seller = seller
	return r
}

// Outcome is what a run did for one customer.
type Outcome struct {
	Customer string
	ID       string
	Total    Money
	Currency string
	Skipped  string // why nothing was computed ("" if a draft was saved)
}

// Failure is a customer a run could not bill, and why (a *metering.Error
// for what the operator can fix: a plan not defined, a currency the plan
// is not priced in).
type Failure struct {
	Customer string
	ID       string // the invoice that was not computed
	Err      error
}

// Report is what a run did: an Outcome per customer billed or skipped, a
// Failure per customer that could not be billed, each in customer order.
type Report struct {
	Outcomes []Outcome
	Failures []Failure
}

// Run computes the drafts of the calendar month (year, month) in each
// customer's time zone, for customers ("" = all with a plan). Running it
// again recomputes the drafts and leaves final invoices alone. A customer
// that cannot be billed is reported in Failures and keeps no other from
// its invoice; the error is for the run as a whole: Invalid naming period
// for a month more than one month ahead, NotFound for a named customer
// that does not exist. progress, if not nil, is told after each customer.
func (r *Runner) Run(ctx context.Context, year int, month time.Month, customers []string, progress func(done, total int)) (Report, error) {
	var rep Report
	if err := r.checkPeriod(year, month); err != nil {
		return rep, err
	}
	cs, err := r.customers(ctx, year, month, customers)
	if err != nil {
		return rep, err
	}
	levels := newLevelCache(r.src.Levels) // customers of one zone share a month
	for i, c := range cs {
		o, err := r.runOne(ctx, c, year, month, levels)
		switch {
		case ctx.Err() != nil:
			return rep, ctx.Err()
		case err != nil:
			rep.Failures = append(rep.Failures, Failure{Customer: c.ID, ID: o.ID, Err: err})
		default:
			rep.Outcomes = append(rep.Outcomes, o)
		}
		if progress != nil {
			progress(i+1, len(cs))
		}
	}
	return rep, nil
}

// checkPeriod refuses a month more than one month ahead of the current
// one (UTC): nothing can be measured there yet.
func (r *Runner) checkPeriod(year int, month time.Month) error {
	limit := metering.Month(r.now()).AddDate(0, 1, 0)
	if time.Date(year, month, 1, 0, 0, 0, 0, time.UTC).After(limit) {
		return metering.FieldError("period", "period %04d-%02d is more than one month ahead (at most %s)", year, int(month), limit.Format("2006-01"))
	}
	return nil
}

// customers returns the customers to bill for a month: those not removed
// before it (a customer removed during the month gets its last invoice),
// or the given ones among them.
func (r *Runner) customers(ctx context.Context, year int, month time.Month, ids []string) ([]directory.Customer, error) {
	// The earliest any zone's month can begin: a day before it in UTC.
	since := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	all, err := r.src.Directory.CustomersActiveSince(ctx, since)
	if err != nil || len(ids) == 0 {
		return all, err
	}
	byID := map[string]directory.Customer{}
	for _, c := range all {
		byID[c.ID] = c
	}
	out := make([]directory.Customer, 0, len(ids))
	for _, id := range ids {
		c, ok := byID[id]
		if !ok {
			return nil, &metering.Error{Kind: metering.NotFound, Field: "customer", Message: "customer " + id + " does not exist (or was removed before the period)"}
		}
		out = append(out, c)
	}
	return out, nil
}

func (r *Runner) runOne(ctx context.Context, c directory.Customer, year int, month time.Month, levels *levelCache) (Outcome, error) {
	o, inv, none, err := r.price(ctx, c, year, month, levels)
	switch {
	case err != nil || o.Skipped != "":
		return o, err
	case none != "":
		return r.dropDraft(ctx, o, none)
	}
	err = r.invoices.SaveDraft(ctx, Record{ID: o.ID, Customer: c.ID, Status: Draft, Invoice: inv, ComputedAt: r.now().UTC()})
	if errors.Is(err, ErrFinal) {
		o.Skipped = "final; not recomputed"
		return o, nil
	}
	if err != nil {
		return o, err
	}
	o.Total, o.Currency = inv.Total, inv.Currency
	return o, nil
}

// price computes a customer's invoice of a month without storing it,
// measuring the services through levels. An Outcome with Skipped set
// yields nothing to store; none says why the period yields no invoice (a
// draft of it is to be removed).
func (r *Runner) price(ctx context.Context, c directory.Customer, year int, month time.Month, levels *levelCache) (o Outcome, inv Invoice, none string, err error) {
	o = Outcome{Customer: c.ID, ID: InvoiceID(c.ID, year, month)}
	changes, err := r.plansOver(ctx, c)
	if err != nil {
		return o, inv, "", err
	}
	if !anyPlan(changes) {
		o.Skipped = "no plan"
		return o, inv, "", nil
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return o, inv, "", err
	}
	per := Month(year, month, loc)
	switch {
	case !per.From.Before(r.now()):
		o.Skipped = "period has not begun"
		return o, inv, "", nil
	case c.DeletedAt != nil && !c.DeletedAt.After(per.From):
		o.Skipped = "removed before the period"
		return o, inv, "", nil
	}
	spans, err := r.spansOf(ctx, c, changes, per)
	if err != nil {
		return o, inv, "", err
	}
	if len(spans) == 0 {
		return o, inv, "no plan in the period", nil
	}
	lifetimes, err := r.lifetimes(ctx, c.ID)
	if err != nil {
		return o, inv, "", err
	}
	if why := noInvoice(c, lifetimes, per); why != "" {
		return o, inv, why, nil
	}
	in, err := r.gather(ctx, c, spans, per, lifetimes, levels)
	if err != nil {
		return o, inv, "", err
	}
	inv, err = Compute(in)
	return o, inv, "", err
}

// noInvoice says why a period yields no invoice for a customer: it ends
// before the customer existed (from its creation, or from its first
// mailbox's when that was back-dated before it), or none of the
// customer's mailboxes existed in it. "" = it yields one.
func noInvoice(c directory.Customer, lifetimes map[string][]Interval, per Period) string {
	start, alive := c.CreatedAt, false
	for _, ivs := range lifetimes {
		for _, iv := range ivs {
			if iv.From.Before(start) {
				start = iv.From
			}
		}
		alive = alive || activeSeconds(ivs, per) > 0
	}
	switch {
	case !per.To.After(start):
		return "before the customer existed"
	case !alive:
		return "no mailbox in the period"
	}
	return ""
}

// dropDraft removes the draft an earlier run made of a period that now
// yields no invoice (its mailboxes were removed back-dated); a final
// invoice stays.
func (r *Runner) dropDraft(ctx context.Context, o Outcome, why string) (Outcome, error) {
	err := r.invoices.DeleteDraft(ctx, o.ID)
	switch {
	case errors.Is(err, ErrFinal):
		o.Skipped = "final; not recomputed"
	case err != nil:
		return o, err
	default:
		o.Skipped = why
	}
	return o, nil
}

// lifetimes returns the lifetimes of every mailbox the customer's domains
// ever had, by address.
func (r *Runner) lifetimes(ctx context.Context, customer string) (map[string][]Interval, error) {
	out := map[string][]Interval{}
	page := directory.Page{Limit: 1000}
	for {
		ms, err := r.src.Directory.ListMailboxes(ctx, directory.MailboxFilter{CustomerID: customer, IncludeDeleted: true}, page)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			iv := Interval{From: m.CreatedAt}
			if m.DeletedAt != nil {
				iv.To = *m.DeletedAt
			}
			out[m.Address] = append(out[m.Address], iv)
		}
		if len(ms) < page.Limit {
			return out, nil
		}
		page.After = ms[len(ms)-1].Address
	}
}

// gather reads the usage of a customer's mailboxes in the period; the
// SLA measured is that of the last plan in force in it.
func (r *Runner) gather(ctx context.Context, c directory.Customer, spans []PlanSpan, per Period, lifetimes map[string][]Interval, levels *levelCache) (Input, error) {
	plan := spans[len(spans)-1].Plan
	in := Input{Customer: c.ID, Plan: plan, Spans: spans, Period: per, Seller: r.seller, Buyer: buyerOf(c), TaxOverride: c.Billing.TaxBP}
	addrs := make([]string, 0, len(lifetimes))
	for a := range lifetimes {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	days := per.Days()
	peaks, err := r.dailyPeaks(ctx, addrs, per, days)
	if err != nil {
		return in, err
	}
	transfer, err := r.transfer(ctx, addrs, per.From, per.To)
	if err != nil {
		return in, err
	}
	whole := len(spans) == 1 && spans[0].From.Equal(per.From) && spans[0].To.Equal(per.To)
	bySpan := make([]map[string]int64, len(spans))
	for i, sp := range spans {
		if !whole {
			if bySpan[i], err = r.transfer(ctx, addrs, sp.From, sp.To); err != nil {
				return in, err
			}
		}
	}
	for _, a := range addrs {
		m := MailboxUsage{Mailbox: a, Active: lifetimes[a], DailyPeakBytes: peaks[a], TransferBytes: transfer[a]}
		if !whole {
			for _, t := range bySpan {
				m.SpanTransferBytes = append(m.SpanTransferBytes, t[a])
			}
		}
		in.Mailboxes = append(in.Mailboxes, m)
	}
	av, err := r.src.Series.Availability(ctx, per.From, per.To)
	if err != nil {
		return in, err
	}
	for _, p := range av {
		in.Service.Checks += p.Attempts
		in.Service.Successes += p.Successes
	}
	if in.Service.Figures, err = levels.figures(ctx, per); err != nil {
		return in, err
	}
	hs, err := r.src.Usage.Latency(ctx, metering.LatencyQuery{From: per.From, To: per.To})
	if err != nil {
		return in, err
	}
	in.Service.Deliveries, in.Service.DeliveredWithin = sla.DeliveriesWithin(hs, plan.SLA.LatencyTarget)
	return in, nil
}

// transfer returns each mailbox's bytes in and out in [from, to).
func (r *Runner) transfer(ctx context.Context, addrs []string, from, to time.Time) (map[string]int64, error) {
	out := map[string]int64{}
	if len(addrs) == 0 {
		return out, nil
	}
	tots, err := r.src.Usage.Totals(ctx, metering.UsageQuery{From: from, To: to, Mailboxes: addrs})
	if err != nil {
		return nil, err
	}
	for _, t := range tots {
		out[t.Mailbox] = t.Values[metering.InBytes] + t.Values[metering.OutBytes]
	}
	return out, nil
}

// dailyPeaks returns each mailbox's largest mailbox-total storage per day
// of the period, carrying the last reading forward over days without one
// (a reading from the month before the period starts the carry).
func (r *Runner) dailyPeaks(ctx context.Context, addrs []string, per Period, days []time.Time) (map[string][]int64, error) {
	out := map[string][]int64{}
	if len(addrs) == 0 {
		return out, nil
	}
	gs, err := r.src.Usage.Gauges(ctx, metering.UsageQuery{From: per.From.AddDate(0, -1, 0), To: per.To, Mailboxes: addrs})
	if err != nil {
		return nil, err
	}
	type reading struct {
		hour      time.Time
		last, max int64
	}
	byMailbox := map[string][]reading{}
	for _, g := range gs {
		if g.Folder == "" && g.Metric == metering.StorageBytes {
			byMailbox[g.Mailbox] = append(byMailbox[g.Mailbox], reading{g.Hour, g.Last, g.Max})
		}
	}
	for _, a := range addrs {
		rs := byMailbox[a] // in hour order
		peaks := make([]int64, len(days))
		var carry int64
		i := 0
		for ; i < len(rs) && rs[i].hour.Before(per.From); i++ {
			carry = rs[i].last
		}
		for d := range days {
			end := per.To
			if d+1 < len(days) {
				end = days[d+1]
			}
			// The day starts where the last reading left storage; its
			// readings may go higher.
			peak := carry
			for ; i < len(rs) && rs[i].hour.Before(end); i++ {
				peak = max(peak, rs[i].max)
				carry = rs[i].last
			}
			peaks[d] = peak
		}
		out[a] = peaks
	}
	return out, nil
}

// levelCache measures the services once per period (and zone) of a run.
type levelCache struct {
	src  Levels
	seen map[string][]sla.Figures
}

func newLevelCache(src Levels) *levelCache {
	return &levelCache{src: src, seen: map[string][]sla.Figures{}}
}

// figures returns the services' figures over per; none without a source.
func (c *levelCache) figures(ctx context.Context, per Period) ([]sla.Figures, error) {
	if c.src == nil {
		return nil, nil
	}
	key := per.From.Format(time.RFC3339) + " " + per.To.Format(time.RFC3339) + " " + per.From.Location().String()
	if f, ok := c.seen[key]; ok {
		return f, nil
	}
	f, err := c.src.Figures(ctx, per.From, per.To)
	if err == nil {
		c.seen[key] = f
	}
	return f, err
}
