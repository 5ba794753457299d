package quota

import (
	"context"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// Trends builds the service-wide pictures of the console: traffic and
// delivery latency over time, and the top mailboxes of a metric.
type Trends struct {
	traffic metering.TrafficStore
	usage   metering.UsageStore
	now     func() time.Time
}

// NewTrends returns Trends reading from traffic and usage.
func NewTrends(traffic metering.TrafficStore, usage metering.UsageStore, now func() time.Time) *Trends {
	return &Trends{traffic: traffic, usage: usage, now: now}
}

// TrafficInput selects service-wide traffic over time.
type TrafficInput struct {
	metering.BucketsInput        // default: this UTC month so far, by hour
	Scope                 string // all (default), hosted or unknown
}

// Traffic is every counter summed over a scope's addresses, per bucket.
type Traffic struct {
	metering.Buckets
	Scope  string
	Points []metering.TrafficPoint
}

// scopes maps the scope names of TrafficInput to address scopes.
var scopes = map[string]metering.AddressScope{"": metering.AnyAddress, "all": metering.AnyAddress,
	"hosted": metering.Hosted, "unknown": metering.Unknown}

// Traffic returns service-wide traffic in buckets: messages and bytes in
// and out, rejects, bounces and blocks. Invalid names the field at fault.
func (t *Trends) Traffic(ctx context.Context, in TrafficInput) (Traffic, error) {
	in.From, in.To = DefaultRange(in.From, in.To, t.now())
	sc, ok := scopes[in.Scope]
	if !ok {
		return Traffic{}, metering.FieldError("scope", "scope %q: want all, hosted or unknown", in.Scope)
	}
	b, err := in.Validate()
	if err != nil {
		return Traffic{}, err
	}
	hours, err := t.traffic.TrafficHours(ctx, b.FirstHour(), b.To, sc)
	if err != nil {
		return Traffic{}, err
	}
	name := in.Scope
	if name == "" {
		name = "all"
	}
	return Traffic{Buckets: b, Scope: name, Points: metering.BucketTraffic(b, hours)}, nil
}

// LatencySeriesInput selects delivery latency over time.
type LatencySeriesInput struct {
	metering.BucketsInput
	Domain string        // "" = service-wide
	Target time.Duration // 0 = DefaultLatencyTarget
}

// LatencyPoint is one bucket's latency figures per direction (directions
// without deliveries in the bucket are left out).
type LatencyPoint struct {
	Start      time.Time
	Directions map[metering.Direction]LatencyFigures
}

// LatencySeries is delivery latency per bucket.
type LatencySeries struct {
	metering.Buckets
	Domain string
	Target time.Duration
	Points []LatencyPoint
}

// LatencySeries returns p50/p90/p99 and the share within target per
// bucket and direction. Invalid names the field at fault.
func (t *Trends) LatencySeries(ctx context.Context, in LatencySeriesInput) (LatencySeries, error) {
	in.From, in.To = DefaultRange(in.From, in.To, t.now())
	b, err := in.Validate()
	if err != nil {
		return LatencySeries{}, err
	}
	domain, target, err := latencyScope(in.Domain, in.Target)
	if err != nil {
		return LatencySeries{}, err
	}
	rows, err := t.traffic.LatencyHours(ctx, metering.LatencyQuery{From: b.FirstHour(), To: b.To, Domain: domain})
	if err != nil {
		return LatencySeries{}, err
	}
	starts, hs := metering.BucketLatency(b, rows)
	out := LatencySeries{Buckets: b, Domain: domain, Target: target, Points: make([]LatencyPoint, len(starts))}
	for i, s := range starts {
		out.Points[i] = LatencyPoint{Start: s, Directions: map[metering.Direction]LatencyFigures{}}
		for d, h := range hs[i] {
			out.Points[i].Directions[d] = figures(h, target)
		}
	}
	return out, nil
}

// latencyScope checks a latency domain and target: the normalized domain
// and the target (DefaultLatencyTarget for 0).
func latencyScope(domain string, target time.Duration) (string, time.Duration, error) {
	if target < 0 {
		return "", 0, metering.FieldError("target", "target must be positive")
	}
	if target == 0 {
		target = DefaultLatencyTarget
	}
	if domain == "" {
		return "", target, nil
	}
	d, err := metering.NormalizeDomain(domain)
	if err != nil {
		return "", 0, &metering.Error{Kind: metering.Invalid, Field: "domain", Message: err.Error()}
	}
	return d, target, nil
}

// figures are a histogram's quantiles and share within target.
func figures(h *metering.Histogram, target time.Duration) LatencyFigures {
	lo, hi := h.ShareWithinBounds(target)
	return LatencyFigures{Count: h.Total, P50: h.Quantile(0.5), P90: h.Quantile(0.9), P99: h.Quantile(0.99),
		WithinTarget: lo, WithinTargetMax: hi}
}

// MaxTop is the most mailboxes a top list holds.
const MaxTop = 100

// TopInput selects the mailboxes with the most of a counter.
type TopInput struct {
	From, To time.Time       // default: this UTC month so far
	Metric   metering.Metric // a counter; default out_bytes (top senders)
	Limit    int             // 1..MaxTop; default 10
}

// Top is the directory's mailboxes with the most of a counter over a range.
type Top struct {
	From, To  time.Time
	Metric    metering.Metric
	Mailboxes []metering.MailboxTotals
}

// Top returns the directory's mailboxes (removed ones included) with the
// largest totals of in.Metric, largest first; mailboxes with none are left
// out. Invalid names the field at fault: metric, limit, from or to.
func (t *Trends) Top(ctx context.Context, in TopInput) (Top, error) {
	from, to := DefaultRange(in.From, in.To, t.now())
	if err := metering.CheckRange(from, to, metering.ByDay); err != nil {
		return Top{}, err
	}
	m := in.Metric
	if m == "" {
		m = metering.OutBytes
	}
	if !m.IsCounter() {
		return Top{}, metering.FieldError("metric", "metric %q: not a counter metric", in.Metric)
	}
	limit := in.Limit
	if limit == 0 {
		limit = 10
	}
	if limit < 1 || limit > MaxTop {
		return Top{}, metering.FieldError("limit", "limit %d: want 1 to %d", in.Limit, MaxTop)
	}
	ts, err := t.usage.Totals(ctx, metering.UsageQuery{From: from, To: to, Scope: metering.Hosted})
	if err != nil {
		return Top{}, err
	}
	metering.SortTotals(ts, m, true)
	n := 0
	for n < len(ts) && n < limit && ts[n].Values[m] > 0 {
		n++
	}
	return Top{From: from.UTC(), To: to.UTC(), Metric: m, Mailboxes: ts[:n]}, nil
}
