package billing

import "fmt"

// ServiceLevel is the SLA evidence an invoice prints: what was measured,
// per service, and the credit it gave. ServiceLevelOf is the one place
// that reads an invoice's evidence for print.
type ServiceLevel struct {
	Services []ServiceRow
	Credit   string
}

// ServiceRow is one service's measured level.
type ServiceRow struct {
	Service      string
	Availability string // "99.800% (9980 of 10000 probe checks)"
	// Downtime lists the intervals the service was down; nil when the
	// evidence does not itemize them.
	Downtime []string
	Latency  string // "85.000% of 1000 deliveries within 1m0s"
}

// ServiceLevelOf reads an invoice's SLA evidence for print. The evidence
// today is one figure for all probed services, without downtime
// intervals.
func ServiceLevelOf(inv Invoice) ServiceLevel {
	ev := inv.Evidence
	sl := ServiceLevel{Services: []ServiceRow{{
		Service:      "All probed services",
		Availability: fmt.Sprintf("%s%% (%d of %d probe checks)", ppm(ev.AvailabilityPPM), ev.Successes, ev.Checks),
		Latency:      fmt.Sprintf("%s%% of %d deliveries within %s", ppm(ev.LatencySharePPM), ev.Deliveries, ev.LatencyTarget),
	}}}
	switch {
	case ev.CreditBP > 0:
		sl.Credit = fmt.Sprintf("SLA credit: %s%% of the fees (availability %s, delivery latency %s).", bp(ev.CreditBP), met(ev.AvailabilityMet), met(ev.LatencyMet))
	default:
		sl.Credit = fmt.Sprintf("No SLA credit (availability %s, delivery latency %s).", met(ev.AvailabilityMet), met(ev.LatencyMet))
	}
	return sl
}

func met(ok bool) string {
	if ok {
		return "target met"
	}
	return "target missed"
}

// DowntimeText is a row's downtime as printed: its intervals, "none", or
// "not itemized".
func (r ServiceRow) DowntimeText() string {
	switch {
	case r.Downtime == nil:
		return "not itemized"
	case len(r.Downtime) == 0:
		return "none"
	}
	out := r.Downtime[0]
	for _, d := range r.Downtime[1:] {
		out += "; " + d
	}
	return out
}

// Sentence is the service level in one paragraph, for plain text.
func (sl ServiceLevel) Sentence() string {
	out := "Measured service:"
	for _, s := range sl.Services {
		out += fmt.Sprintf(" %s: availability %s; downtime %s; %s.", s.Service, s.Availability, s.DowntimeText(), s.Latency)
	}
	return out + " " + sl.Credit
}
