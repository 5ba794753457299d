package quota

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
)

// Overview lists mailboxes with their quota bars and usage: the tables of
// the console, sortable by any column, and how full the mailboxes are.
type Overview struct {
	dir   directory.Store
	usage metering.UsageStore
	view  *View
	now   func() time.Time
}

// NewOverview returns an Overview of the directory's mailboxes, their
// usage and the view's quota pictures.
func NewOverview(dir directory.Store, usage metering.UsageStore, view *View, now func() time.Time) *Overview {
	return &Overview{dir: dir, usage: usage, view: view, now: now}
}

// OverviewInput selects and orders a mailbox table.
type OverviewInput struct {
	Customer string // "" = every customer's mailboxes
	Domain   string // "" = every domain (of Customer)
	Search   string // part of the address, any case
	From, To time.Time
	Sort     string // an overviewColumns name or a counter metric; "-" desc, "+" asc; default address
	Order    string // asc or desc; overrides a sort prefix
	Offset   int
	Limit    int // 1..MaxOverviewLimit; default 50
}

// MaxOverviewLimit is the most rows one page of a mailbox table holds.
const MaxOverviewLimit = 1000

// OverviewRow is one mailbox of the table: its quota picture and its usage
// over the range.
type OverviewRow struct {
	Mailbox string
	Domain  string
	Quota   Report
	Usage   map[metering.Metric]int64
}

// Fill counts mailboxes by how full their storage is against its limit.
type Fill struct {
	Mailboxes int // in the selection
	Limited   int // with a storage limit
	Over80    int // at 80 % of it or more
	Over90    int
	Over100   int
	// Deciles[i] counts the limited mailboxes at i×10 % to (i+1)×10 %;
	// Deciles[10] those at 100 % or more.
	Deciles [11]int
}

// MailboxTable is one page of a sorted mailbox table, with the size and
// fill of the whole selection.
type MailboxTable struct {
	From, To time.Time
	Sort     string
	Desc     bool
	Total    int
	Rows     []OverviewRow
	Fill     Fill
}

// overviewColumns are the sort keys besides the counter metrics.
var overviewColumns = map[string]func(OverviewRow) float64{
	"storage":          func(r OverviewRow) float64 { return float64(r.Quota.Storage.Used) },
	"storage_percent":  func(r OverviewRow) float64 { return r.Quota.Storage.Percent },
	"messages":         func(r OverviewRow) float64 { return float64(r.Quota.Messages.Used) },
	"messages_percent": func(r OverviewRow) float64 { return r.Quota.Messages.Percent },
	"outbound_percent": func(r OverviewRow) float64 { return max(r.Quota.OutBytes.Percent, r.Quota.OutRecipients.Percent) },
	"outbound_month_percent": func(r OverviewRow) float64 {
		return max(r.Quota.MonthOutBytes.Percent, r.Quota.MonthOutRecipients.Percent)
	},
}

// Mailboxes returns a page of the selected active mailboxes, sorted, with
// the fill of the whole selection. It returns NotFound for a customer or
// domain that does not exist (or a domain of another customer), Invalid
// naming sort, order, limit, from or to.
func (o *Overview) Mailboxes(ctx context.Context, in OverviewInput) (MailboxTable, error) {
	t, key, err := in.validate(o.now())
	if err != nil {
		return t, err
	}
	domains, err := o.domains(ctx, in.Customer, in.Domain)
	if err != nil {
		return t, err
	}
	rows, err := o.rows(ctx, t, in, domains)
	if err != nil {
		return t, err
	}
	sortRows(rows, key, t.Desc)
	t.Total, t.Fill = len(rows), fillOf(rows)
	end := min(in.Offset+in.Limit, len(rows))
	t.Rows = rows[min(in.Offset, end):end]
	return t, nil
}

func (in *OverviewInput) validate(now time.Time) (MailboxTable, func(OverviewRow) float64, error) {
	from, to := DefaultRange(in.From, in.To, now)
	if err := metering.CheckRange(from, to, metering.ByDay); err != nil {
		return MailboxTable{}, nil, err
	}
	if in.Limit == 0 {
		in.Limit = 50
	}
	if in.Limit < 1 || in.Limit > MaxOverviewLimit || in.Offset < 0 {
		return MailboxTable{}, nil, metering.FieldError("limit", "limit %d: want 1 to %d", in.Limit, MaxOverviewLimit)
	}
	sortBy, order := strings.ToLower(in.Sort), in.Order
	if rest, ok := strings.CutPrefix(sortBy, "-"); ok && order == "" {
		sortBy, order = rest, "desc"
	} else if rest, ok := strings.CutPrefix(sortBy, "+"); ok && order == "" {
		sortBy, order = rest, "asc"
	}
	if order != "" && order != "asc" && order != "desc" {
		return MailboxTable{}, nil, metering.FieldError("order", "order %q: want asc or desc", in.Order)
	}
	if sortBy == "" {
		sortBy = "address"
	}
	key, ok := overviewColumns[sortBy]
	if m := metering.Metric(sortBy); !ok && m.IsCounter() {
		key, ok = func(r OverviewRow) float64 { return float64(r.Usage[m]) }, true
	}
	if !ok && sortBy != "address" {
		return MailboxTable{}, nil, metering.FieldError("sort", "sort %q: want address, a quota column or a counter metric", in.Sort)
	}
	return MailboxTable{From: from.UTC(), To: to.UTC(), Sort: sortBy, Desc: order == "desc"}, key, nil
}

// domains returns the domains whose usage the table reads: the one asked
// for, the customer's, or nil for all.
func (o *Overview) domains(ctx context.Context, customer, domain string) ([]string, error) {
	if domain != "" {
		d, err := o.dir.GetDomain(ctx, domain)
		if err != nil {
			return nil, err
		}
		if customer != "" && d.CustomerID != customer {
			return nil, metering.Errorf(metering.NotFound, "domain %s does not exist", domain)
		}
		return []string{d.Name}, nil
	}
	if customer == "" {
		return nil, nil
	}
	if _, err := o.dir.GetCustomer(ctx, customer); err != nil {
		return nil, err
	}
	var out []string
	for p := (directory.Page{Limit: 1000}); ; {
		ds, err := o.dir.ListDomains(ctx, customer, p)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			out = append(out, d.Name)
		}
		if len(ds) < p.Limit {
			return out, nil
		}
		p.After = ds[len(ds)-1].Name
	}
}

// rows reads every selected mailbox with its usage and quota picture.
func (o *Overview) rows(ctx context.Context, t MailboxTable, in OverviewInput, domains []string) ([]OverviewRow, error) {
	if in.Customer != "" && len(domains) == 0 {
		return nil, nil
	}
	var addrs []string
	search := strings.ToLower(in.Search)
	f := directory.MailboxFilter{CustomerID: in.Customer, Domain: in.Domain}
	for p := (directory.Page{Limit: 1000}); ; {
		ms, err := o.dir.ListMailboxes(ctx, f, p)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if strings.Contains(m.Address, search) {
				addrs = append(addrs, m.Address)
			}
		}
		if len(ms) < p.Limit {
			break
		}
		p.After = ms[len(ms)-1].Address
	}
	totals, err := o.usage.Totals(ctx, metering.UsageQuery{From: t.From, To: t.To, Domains: domains, Scope: metering.Hosted})
	if err != nil {
		return nil, err
	}
	usage := make(map[string]map[metering.Metric]int64, len(totals))
	for _, u := range totals {
		usage[u.Mailbox] = u.Values
	}
	reports := o.view.ReportsOf(addrs)
	rows := make([]OverviewRow, len(addrs))
	for i, a := range addrs {
		u := usage[a]
		if u == nil {
			u = map[metering.Metric]int64{}
		}
		rows[i] = OverviewRow{Mailbox: a, Domain: metering.DomainOf(a), Quota: reports[i], Usage: u}
	}
	return rows, nil
}

// sortRows orders rows by key (nil: by address); ties read in address
// order either way.
func sortRows(rows []OverviewRow, key func(OverviewRow) float64, desc bool) {
	sign := 1
	if desc {
		sign = -1
	}
	slices.SortStableFunc(rows, func(a, b OverviewRow) int {
		if key == nil {
			return sign * strings.Compare(a.Mailbox, b.Mailbox)
		}
		if c := cmp.Compare(key(a), key(b)); c != 0 {
			return sign * c
		}
		return strings.Compare(a.Mailbox, b.Mailbox)
	})
}

// fillOf counts how full the rows' storage is.
func fillOf(rows []OverviewRow) Fill {
	f := Fill{Mailboxes: len(rows)}
	for _, r := range rows {
		if r.Quota.Storage.Limit() == 0 {
			continue
		}
		p := r.Quota.Storage.Percent
		f.Limited++
		f.Deciles[min(int(p/10), 10)]++
		if p >= 80 {
			f.Over80++
		}
		if p >= 90 {
			f.Over90++
		}
		if p >= 100 {
			f.Over100++
		}
	}
	return f
}

// ReportsOf returns the quota pictures of mailboxes from memory, in the
// order given, without asking the directory (the caller has).
func (v *View) ReportsOf(mailboxes []string) []Report {
	today := day(v.now())
	out := make([]Report, len(mailboxes))
	v.mu.RLock()
	defer v.mu.RUnlock()
	for i, m := range mailboxes {
		l, _ := v.limitsOf(m)
		since, over := v.overSince[m]
		out[i] = evaluate(m, v.usage[m], l, today, v.updatedAt, since, over)
	}
	return out
}
