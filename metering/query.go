package metering

import (
	"context"
	"sort"
	"strings"
	"time"
)

// Granularity is the width of the buckets of a usage series.
type Granularity string

// Granularities.
const (
	ByHour  Granularity = "hour"
	ByDay   Granularity = "day"
	ByMonth Granularity = "month"
)

// Range limits: an hourly series may span at most MaxHourlyRange, any
// other series at most MaxRange.
const (
	MaxHourlyRange = 400 * 24 * time.Hour
	MaxRange       = 10 * 366 * 24 * time.Hour
)

// SeriesQuery selects one mailbox's usage in buckets of Granularity, whose
// days and months begin at midnight in Location.
type SeriesQuery struct {
	Mailbox     string
	From, To    time.Time
	Granularity Granularity
	Location    *time.Location
}

// SeriesInput is a usage series request as a caller gives it.
type SeriesInput struct {
	Mailbox     string
	From, To    time.Time
	Granularity string // hour | day | month; default day
	Timezone    string // IANA zone for day and month buckets; default UTC
}

// Validate checks the input and returns the query it describes, or an
// Invalid error naming the field: mailbox, from, to, granularity or tz.
func (in SeriesInput) Validate() (SeriesQuery, error) {
	addr, err := NormalizeAddress(in.Mailbox)
	if err != nil {
		return SeriesQuery{}, &Error{Kind: Invalid, Field: "address", Message: err.Error()}
	}
	g := Granularity(strings.ToLower(in.Granularity))
	if g == "" {
		g = ByDay
	}
	if g != ByHour && g != ByDay && g != ByMonth {
		return SeriesQuery{}, FieldError("granularity", "granularity %q: want hour, day or month", in.Granularity)
	}
	loc := time.UTC
	if in.Timezone != "" {
		if loc, err = time.LoadLocation(in.Timezone); err != nil {
			return SeriesQuery{}, FieldError("tz", "tz %q: not an IANA time zone", in.Timezone)
		}
	}
	if err := CheckRange(in.From, in.To, g); err != nil {
		return SeriesQuery{}, err
	}
	return SeriesQuery{Mailbox: addr, From: in.From.UTC(), To: in.To.UTC(), Granularity: g, Location: loc}, nil
}

// DefaultRange fills a zero from with the start of now's UTC month and a
// zero to with now: a report's range when none is given.
func DefaultRange(from, to, now time.Time) (time.Time, time.Time) {
	if to.IsZero() {
		to = now.UTC()
	}
	if from.IsZero() {
		from = Month(to)
		if !from.Before(to) {
			from = from.AddDate(0, -1, 0)
		}
	}
	return from, to
}

// CheckRange returns an Invalid error naming "to" for an empty or reversed
// range and "from" for a range too long for the granularity.
func CheckRange(from, to time.Time, g Granularity) error {
	if !from.Before(to) {
		return FieldError("to", "to (%s) must be after from (%s)", to.UTC().Format(time.RFC3339), from.UTC().Format(time.RFC3339))
	}
	limit := MaxRange
	if g == ByHour {
		limit = MaxHourlyRange
	}
	if to.Sub(from) > limit {
		return FieldError("from", "range of %d days is longer than the %d days allowed at %s granularity",
			int(to.Sub(from).Hours()/24), int(limit.Hours()/24), g)
	}
	return nil
}

// Start returns the start of the bucket holding t.
func (g Granularity) Start(t time.Time, loc *time.Location) time.Time {
	switch g {
	case ByHour:
		return Hour(t)
	case ByMonth:
		l := t.In(loc)
		return time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc).UTC()
	}
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc).UTC()
}

// Next returns the start of the bucket after the one starting at start.
func (g Granularity) Next(start time.Time, loc *time.Location) time.Time {
	switch g {
	case ByHour:
		return start.Add(time.Hour)
	case ByMonth:
		l := start.In(loc)
		return time.Date(l.Year(), l.Month()+1, 1, 0, 0, 0, 0, loc).UTC()
	}
	l := start.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc).UTC()
}

// SeriesPoint is one bucket of a usage series: every counter summed, and
// every gauge's last value in the bucket (mailbox totals, not folders).
type SeriesPoint struct {
	Start    time.Time
	Counters map[Metric]int64
	Gauges   map[Metric]int64
}

// BucketSeries sums hourly counters and picks the latest gauges into the
// query's buckets, one point per bucket from From's bucket to To's, every
// metric present (zero when nothing was measured).
func BucketSeries(q SeriesQuery, counters []CounterDelta, gauges []GaugePoint) []SeriesPoint {
	var pts []SeriesPoint
	index := map[int64]int{}
	for s := q.Granularity.Start(q.From, q.Location); s.Before(q.To); s = q.Granularity.Next(s, q.Location) {
		p := SeriesPoint{Start: s, Counters: make(map[Metric]int64, len(CounterMetrics)), Gauges: map[Metric]int64{}}
		for _, m := range CounterMetrics {
			p.Counters[m] = 0
		}
		index[s.Unix()] = len(pts)
		pts = append(pts, p)
	}
	for _, c := range counters {
		if i, ok := index[q.Granularity.Start(c.Hour, q.Location).Unix()]; ok {
			pts[i].Counters[c.Metric] += c.Value
		}
	}
	latest := map[int64]map[Metric]time.Time{}
	for _, g := range gauges {
		if g.Folder != "" {
			continue
		}
		i, ok := index[q.Granularity.Start(g.Hour, q.Location).Unix()]
		if !ok {
			continue
		}
		seen := latest[int64(i)]
		if seen == nil {
			seen = map[Metric]time.Time{}
			latest[int64(i)] = seen
		}
		if t, ok := seen[g.Metric]; !ok || !g.Hour.Before(t) {
			seen[g.Metric] = g.Hour
			pts[i].Gauges[g.Metric] = g.Last
		}
	}
	return pts
}

// BreakdownQuery selects per-mailbox counter totals of some domains over
// hours whose start lies in [From, To).
type BreakdownQuery struct {
	From, To time.Time
	Domains  []string
}

// SeriesStore reads usage for reports. Errors are *Error values.
type SeriesStore interface {
	// HourlyCounters returns a mailbox's counter rows of hours in [from, to).
	HourlyCounters(ctx context.Context, mailbox string, from, to time.Time) ([]CounterDelta, error)
	// Breakdown sums counters per mailbox of the query's domains and adds
	// each mailbox's latest storage gauges (mailbox total) of the range.
	Breakdown(ctx context.Context, q BreakdownQuery) ([]MailboxTotals, error)
	// Availability returns each probe's results over hours in [from, to),
	// by probe name.
	Availability(ctx context.Context, from, to time.Time) ([]ProbeAvailability, error)
}

// SortTotals orders totals by one metric (counter or gauge), largest first
// when desc, ties by mailbox address.
func SortTotals(ts []MailboxTotals, by Metric, desc bool) {
	sort.SliceStable(ts, func(i, j int) bool {
		a, b := ts[i].Values[by], ts[j].Values[by]
		if a != b {
			return (a > b) == desc
		}
		return ts[i].Mailbox < ts[j].Mailbox
	})
}

// SumTotals adds the totals of every mailbox (for gauges: their latest
// values), every counter present.
func SumTotals(ts []MailboxTotals) map[Metric]int64 {
	sum := make(map[Metric]int64, len(CounterMetrics))
	for _, m := range CounterMetrics {
		sum[m] = 0
	}
	for _, t := range ts {
		for m, v := range t.Values {
			sum[m] += v
		}
	}
	return sum
}
