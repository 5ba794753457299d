package quota

import (
	"context"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// DefaultLatencyTarget is the delivery-time target shares are reported
// against when none is given.
const DefaultLatencyTarget = 60 * time.Second

// LatencyInput selects delivery latency figures.
type LatencyInput struct {
	From, To  time.Time
	Domain    string        // "" = service-wide
	Direction string        // inbound | outbound | "" (both)
	Target    time.Duration // 0 = DefaultLatencyTarget
}

// LatencyFigures are one direction's delivery-time quantiles.
type LatencyFigures struct {
	Count         int64
	P50, P90, P99 time.Duration
	// Share of deliveries within Target: at least WithinTarget, at most
	// WithinTargetMax (they differ by the histogram bucket that straddles
	// the target).
	WithinTarget, WithinTargetMax float64
}

// LatencyReport is delivery latency over a range, per direction.
type LatencyReport struct {
	From, To   time.Time
	Domain     string
	Target     time.Duration
	Directions map[metering.Direction]LatencyFigures
}

// Latency returns quantiles and the share within target per direction.
func (r *Reports) Latency(ctx context.Context, in LatencyInput) (LatencyReport, error) {
	from, to := DefaultRange(in.From, in.To, r.now())
	if err := metering.CheckRange(from, to, metering.ByDay); err != nil {
		return LatencyReport{}, err
	}
	dir := metering.Direction(in.Direction)
	if dir != "" && dir != metering.Inbound && dir != metering.Outbound {
		return LatencyReport{}, metering.FieldError("direction", "direction %q: want inbound or outbound", in.Direction)
	}
	if in.Target < 0 {
		return LatencyReport{}, metering.FieldError("target", "target must be positive")
	}
	target := in.Target
	if target == 0 {
		target = DefaultLatencyTarget
	}
	domain := ""
	if in.Domain != "" {
		d, err := metering.NormalizeDomain(in.Domain)
		if err != nil {
			return LatencyReport{}, &metering.Error{Kind: metering.Invalid, Field: "domain", Message: err.Error()}
		}
		domain = d
	}
	hs, err := r.usage.Latency(ctx, metering.LatencyQuery{From: from, To: to, Direction: dir, Domain: domain})
	if err != nil {
		return LatencyReport{}, err
	}
	rep := LatencyReport{From: from.UTC(), To: to.UTC(), Domain: domain, Target: target, Directions: map[metering.Direction]LatencyFigures{}}
	for d, h := range hs {
		lo, hi := h.ShareWithinBounds(target)
		rep.Directions[d] = LatencyFigures{Count: h.Total, P50: h.Quantile(0.5), P90: h.Quantile(0.9), P99: h.Quantile(0.99),
			WithinTarget: lo, WithinTargetMax: hi}
	}
	return rep, nil
}

// AvailabilityReport is the probes' results over a range.
type AvailabilityReport struct {
	From, To time.Time
	Probes   []metering.ProbeAvailability
}

// Availability returns each probe's checks and successes over [from, to)
// (defaults: this month so far), hours whole.
func (r *Reports) Availability(ctx context.Context, from, to time.Time) (AvailabilityReport, error) {
	from, to = DefaultRange(from, to, r.now())
	if err := metering.CheckRange(from, to, metering.ByDay); err != nil {
		return AvailabilityReport{}, err
	}
	ps, err := r.series.Availability(ctx, from, to)
	if err != nil {
		return AvailabilityReport{}, err
	}
	return AvailabilityReport{From: from.UTC(), To: to.UTC(), Probes: ps}, nil
}
