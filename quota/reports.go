package quota

import (
	"context"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
)

// Reports builds the usage reports of the API from the directory and the
// usage store.
type Reports struct {
	dir    directory.Store
	usage  metering.UsageStore
	series metering.SeriesStore
	now    func() time.Time
}

// NewReports returns a Reports reading from dir, usage and series.
func NewReports(dir directory.Store, usage metering.UsageStore, series metering.SeriesStore, now func() time.Time) *Reports {
	return &Reports{dir: dir, usage: usage, series: series, now: now}
}

// DefaultRange is metering.DefaultRange.
func DefaultRange(from, to, now time.Time) (time.Time, time.Time) {
	return metering.DefaultRange(from, to, now)
}

// Series returns a mailbox's usage series and the validated query.
func (r *Reports) Series(ctx context.Context, in metering.SeriesInput) (metering.SeriesQuery, []metering.SeriesPoint, error) {
	in.From, in.To = DefaultRange(in.From, in.To, r.now())
	q, err := in.Validate()
	if err != nil {
		return q, nil, err
	}
	from := q.Granularity.Start(q.From, q.Location)
	counters, err := r.series.HourlyCounters(ctx, q.Mailbox, from, q.To)
	if err != nil {
		return q, nil, err
	}
	gauges, err := r.usage.Gauges(ctx, metering.UsageQuery{From: from, To: q.To, Mailboxes: []string{q.Mailbox}})
	if err != nil {
		return q, nil, err
	}
	return q, metering.BucketSeries(q, counters, gauges), nil
}

// HostedTotals returns the counter totals over [from, to) of the
// directory's mailboxes (removed ones included), of mailbox alone if it is
// set, by address.
func (r *Reports) HostedTotals(ctx context.Context, from, to time.Time, mailbox string) ([]metering.MailboxTotals, error) {
	q := metering.UsageQuery{From: from, To: to, Scope: metering.Hosted}
	if mailbox != "" {
		q.Mailboxes = []string{mailbox}
	}
	return r.usage.Totals(ctx, q)
}

// BreakdownInput selects a usage breakdown of a domain or a customer.
type BreakdownInput struct {
	From, To time.Time
	Sort     string // a counter or gauge metric, "-" prefixed for desc, "+" for asc; default out_bytes ("top senders")
	Order    string // desc (default) or asc; overrides a sort prefix
}

// Breakdown is usage totals and the per-mailbox figures behind them, sorted:
// the directory's mailboxes only. Unknown sums, apart, the addresses of the
// same domains the directory never held (unknown recipients).
type Breakdown struct {
	From, To  time.Time
	SortBy    metering.Metric
	Desc      bool
	Totals    map[metering.Metric]int64
	Mailboxes []metering.MailboxTotals
	Unknown   UnknownUsage
}

func (in BreakdownInput) validate(now time.Time) (Breakdown, error) {
	from, to := DefaultRange(in.From, in.To, now)
	if err := metering.CheckRange(from, to, metering.ByDay); err != nil {
		return Breakdown{}, err
	}
	sortBy, order := strings.ToLower(in.Sort), in.Order
	if rest, ok := strings.CutPrefix(sortBy, "-"); ok && order == "" {
		sortBy, order = rest, "desc"
	} else if rest, ok := strings.CutPrefix(sortBy, "+"); ok && order == "" {
		sortBy, order = rest, "asc"
	}
	by := metering.Metric(sortBy)
	if by == "" {
		by = metering.OutBytes
	}
	if !by.IsCounter() && !by.IsGauge() {
		return Breakdown{}, metering.FieldError("sort", "sort %q: not a metric", in.Sort)
	}
	if order != "" && order != "asc" && order != "desc" {
		return Breakdown{}, metering.FieldError("order", "order %q: want asc or desc", in.Order)
	}
	return Breakdown{From: from.UTC(), To: to.UTC(), SortBy: by, Desc: order != "asc"}, nil
}

// DomainUsage returns a domain's usage breakdown, or NotFound.
func (r *Reports) DomainUsage(ctx context.Context, domain string, in BreakdownInput) (Breakdown, error) {
	b, err := in.validate(r.now())
	if err != nil {
		return b, err
	}
	if _, err := r.dir.GetDomain(ctx, domain); err != nil {
		return b, err
	}
	return r.breakdown(ctx, b, []string{domain})
}

// CustomerUsage returns the breakdown of all of a customer's domains, or
// NotFound.
func (r *Reports) CustomerUsage(ctx context.Context, customerID string, in BreakdownInput) (Breakdown, error) {
	b, err := in.validate(r.now())
	if err != nil {
		return b, err
	}
	if _, err := r.dir.GetCustomer(ctx, customerID); err != nil {
		return b, err
	}
	var domains []string
	for p := (directory.Page{Limit: 1000}); ; {
		ds, err := r.dir.ListDomains(ctx, customerID, p)
		if err != nil {
			return b, err
		}
		for _, d := range ds {
			domains = append(domains, d.Name)
		}
		if len(ds) < p.Limit {
			break
		}
		p.After = ds[len(ds)-1].Name
	}
	return r.breakdown(ctx, b, domains)
}

func (r *Reports) breakdown(ctx context.Context, b Breakdown, domains []string) (Breakdown, error) {
	var ts []metering.MailboxTotals
	if len(domains) > 0 {
		var err error
		if ts, err = r.series.Breakdown(ctx, metering.BreakdownQuery{From: b.From, To: b.To, Domains: domains}); err != nil {
			return b, err
		}
	}
	metering.SortTotals(ts, b.SortBy, b.Desc)
	b.Totals, b.Mailboxes = metering.SumTotals(ts), ts
	var err error
	b.Unknown, err = r.unknownOf(ctx, b.From, b.To, domains)
	return b, err
}
