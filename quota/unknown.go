package quota

import (
	"context"
	"sort"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
)

// Unknown addresses are those the directory never held: recipients refused
// as unknown (typos, dictionary attacks), foreign senders, logins without
// @. Their usage is kept as evidence but never counted in a customer's
// figures; these reports summarize it apart.

// UnknownUsage is the usage of a set of unknown addresses: how many there
// are and their counters summed.
type UnknownUsage struct {
	Addresses int
	Totals    map[metering.Metric]int64
}

// UnknownDomain is the unknown addresses of one domain ("" for logins
// without @). Hosted says whether the domain is one of the directory's.
type UnknownDomain struct {
	Domain string
	Hosted bool
	UnknownUsage
}

// UnknownInput selects an unknown-address report.
type UnknownInput struct {
	From, To time.Time
	Sort     string // a counter metric, "-"/"+" prefixed; default rejected_in
	Order    string // desc (default) or asc
	Limit    int    // top addresses listed: 1 to MaxUnknownTop (DefaultUnknownTop is the usual)
}

// Top address counts of an unknown-address report.
const (
	DefaultUnknownTop = 20
	MaxUnknownTop     = 1000
)

// UnknownReport summarizes the usage of unknown addresses over a range:
// all of them, per domain, and the top addresses, each sorted by SortBy.
type UnknownReport struct {
	From, To time.Time
	SortBy   metering.Metric
	Desc     bool
	All      UnknownUsage
	Domains  []UnknownDomain
	Top      []metering.MailboxTotals
}

func (in UnknownInput) validate(now time.Time) (UnknownReport, error) {
	if in.Sort == "" {
		in.Sort = string(metering.RejectedIn)
	}
	b, err := BreakdownInput{From: in.From, To: in.To, Sort: in.Sort, Order: in.Order}.validate(now)
	if err != nil {
		return UnknownReport{}, err
	}
	if !b.SortBy.IsCounter() {
		return UnknownReport{}, metering.FieldError("sort", "sort %q: not a counter metric", in.Sort)
	}
	if in.Limit < 1 || in.Limit > MaxUnknownTop {
		return UnknownReport{}, metering.FieldError("limit", "limit %d: want 1 to %d", in.Limit, MaxUnknownTop)
	}
	return UnknownReport{From: b.From, To: b.To, SortBy: b.SortBy, Desc: b.Desc}, nil
}

// Unknown returns the report of unknown addresses' usage.
func (r *Reports) Unknown(ctx context.Context, in UnknownInput) (UnknownReport, error) {
	rep, err := in.validate(r.now())
	if err != nil {
		return rep, err
	}
	ts, err := r.usage.Totals(ctx, metering.UsageQuery{From: rep.From, To: rep.To, Scope: metering.Unknown})
	if err != nil {
		return rep, err
	}
	hosted, err := r.domainSet(ctx, "")
	if err != nil {
		return rep, err
	}
	rep.All = summarize(ts)
	rep.Domains = byDomain(ts, hosted)
	sort.SliceStable(rep.Domains, func(i, j int) bool {
		a, b := rep.Domains[i].Totals[rep.SortBy], rep.Domains[j].Totals[rep.SortBy]
		if a != b {
			return (a > b) == rep.Desc
		}
		return rep.Domains[i].Domain < rep.Domains[j].Domain
	})
	metering.SortTotals(ts, rep.SortBy, rep.Desc)
	rep.Top = ts[:min(in.Limit, len(ts))]
	return rep, nil
}

// unknownOf sums the unknown addresses of domains.
func (r *Reports) unknownOf(ctx context.Context, from, to time.Time, domains []string) (UnknownUsage, error) {
	if len(domains) == 0 {
		return summarize(nil), nil
	}
	ts, err := r.usage.Totals(ctx, metering.UsageQuery{From: from, To: to, Domains: domains, Scope: metering.Unknown})
	if err != nil {
		return UnknownUsage{}, err
	}
	return summarize(ts), nil
}

// domainSet returns the names of the directory's domains (of one customer,
// or all with customerID "").
func (r *Reports) domainSet(ctx context.Context, customerID string) (map[string]bool, error) {
	set := map[string]bool{}
	for p := (directory.Page{Limit: 1000}); ; {
		ds, err := r.dir.ListDomains(ctx, customerID, p)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			set[d.Name] = true
		}
		if len(ds) < p.Limit {
			return set, nil
		}
		p.After = ds[len(ds)-1].Name
	}
}

// summarize counts addresses and sums their counters.
func summarize(ts []metering.MailboxTotals) UnknownUsage {
	return UnknownUsage{Addresses: len(ts), Totals: metering.SumTotals(ts)}
}

// byDomain groups totals per domain of the address.
func byDomain(ts []metering.MailboxTotals, hosted map[string]bool) []UnknownDomain {
	groups := map[string][]metering.MailboxTotals{}
	for _, t := range ts {
		d := metering.DomainOf(t.Mailbox)
		groups[d] = append(groups[d], t)
	}
	out := make([]UnknownDomain, 0, len(groups))
	for d, g := range groups {
		out = append(out, UnknownDomain{Domain: d, Hosted: hosted[d], UnknownUsage: summarize(g)})
	}
	return out
}
