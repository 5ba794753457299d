package metering

import (
	"context"
	"strings"
	"time"
)

// Buckets is a range cut into buckets of a granularity whose days and
// months begin at midnight in Location: the time axis of a chart.
type Buckets struct {
	From, To    time.Time
	Granularity Granularity
	Location    *time.Location
}

// BucketsInput is a time axis as a caller gives it.
type BucketsInput struct {
	From, To    time.Time
	Granularity string // hour | day | month; default hour
	Timezone    string // IANA zone for day and month buckets; default UTC
}

// Validate returns the buckets the input describes, or an Invalid error
// naming the field: granularity, tz, from or to.
func (in BucketsInput) Validate() (Buckets, error) {
	g := Granularity(strings.ToLower(in.Granularity))
	if g == "" {
		g = ByHour
	}
	if g != ByHour && g != ByDay && g != ByMonth {
		return Buckets{}, FieldError("granularity", "granularity %q: want hour, day or month", in.Granularity)
	}
	loc := time.UTC
	if in.Timezone != "" {
		var err error
		if loc, err = time.LoadLocation(in.Timezone); err != nil {
			return Buckets{}, FieldError("tz", "tz %q: not an IANA time zone", in.Timezone)
		}
	}
	if err := CheckRange(in.From, in.To, g); err != nil {
		return Buckets{}, err
	}
	return Buckets{From: in.From.UTC(), To: in.To.UTC(), Granularity: g, Location: loc}, nil
}

// Starts returns the start of every bucket from From's to To's.
func (b Buckets) Starts() []time.Time {
	var out []time.Time
	for s := b.Granularity.Start(b.From, b.Location); s.Before(b.To); s = b.Granularity.Next(s, b.Location) {
		out = append(out, s)
	}
	return out
}

// FirstHour returns the first hour the buckets hold (their first bucket
// may begin before From).
func (b Buckets) FirstHour() time.Time { return b.Granularity.Start(b.From, b.Location) }

// TrafficStore reads service-wide usage over time: the pictures an
// operator looks at (mailgraph, queuegraph). Errors are *Error values.
type TrafficStore interface {
	// TrafficHours returns, per hour in [from, to), every counter summed
	// over the addresses of scope (Mailbox is empty), hours without usage
	// left out.
	TrafficHours(ctx context.Context, from, to time.Time, scope AddressScope) ([]CounterDelta, error)
	// LatencyHours returns the latency histogram rows of hours in [from,
	// to) of q's domain ("" = service-wide) and direction ("" = both).
	LatencyHours(ctx context.Context, q LatencyQuery) ([]LatencyDelta, error)
}

// TrafficPoint is one bucket of service-wide traffic: every counter summed.
type TrafficPoint struct {
	Start    time.Time
	Counters map[Metric]int64
}

// BucketTraffic sums hourly counters into the buckets, one point per
// bucket, every counter present (zero when nothing was measured).
func BucketTraffic(b Buckets, hours []CounterDelta) []TrafficPoint {
	starts := b.Starts()
	pts := make([]TrafficPoint, len(starts))
	index := make(map[int64]int, len(starts))
	for i, s := range starts {
		pts[i] = TrafficPoint{Start: s, Counters: make(map[Metric]int64, len(CounterMetrics))}
		for _, m := range CounterMetrics {
			pts[i].Counters[m] = 0
		}
		index[s.Unix()] = i
	}
	for _, c := range hours {
		if i, ok := index[b.Granularity.Start(c.Hour, b.Location).Unix()]; ok {
			pts[i].Counters[c.Metric] += c.Value
		}
	}
	return pts
}

// BucketLatency merges hourly histogram rows into one histogram per bucket
// and direction, in bucket order.
func BucketLatency(b Buckets, rows []LatencyDelta) ([]time.Time, []map[Direction]*Histogram) {
	starts := b.Starts()
	hs := make([]map[Direction]*Histogram, len(starts))
	index := make(map[int64]int, len(starts))
	for i, s := range starts {
		hs[i] = map[Direction]*Histogram{}
		index[s.Unix()] = i
	}
	for _, r := range rows {
		i, ok := index[b.Granularity.Start(r.Hour, b.Location).Unix()]
		if !ok {
			continue
		}
		h := hs[i][r.Direction]
		if h == nil {
			h = NewHistogram()
			hs[i][r.Direction] = h
		}
		h.Add(r.Bucket, r.Count)
	}
	return starts, hs
}
