package billing

import (
	"fmt"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/sla"
)

// ServiceLevel is the SLA evidence an invoice prints: what was measured,
// per service, and the credit it gave. ServiceLevelOf is the one place
// that reads an invoice's evidence for print; the text, PDF, CSV and UBL
// documents print what it returns.
type ServiceLevel struct {
	Services []ServiceRow
	Credit   string
}

// ServiceRow is one service's measured level. A row has the fields it
// measures: a covered service its availability and downtime, the mail
// delivery row its latency, an invoice measured before services were
// measured by the minute one row with all three.
type ServiceRow struct {
	Service      string
	Availability string // "99.801% by the minute (target 99.900%), 86 min down, …" or "99.800% (9980 of 10000 probe checks)"
	// Downtime lists the intervals the service was down; nil when the
	// evidence does not itemize them.
	Downtime []string
	Latency  string // "85.000% of 1000 deliveries within 1m0s"
}

// DeliveryService names the row of the delivery latency, which is
// measured over all mail, not per service.
const DeliveryService = "Mail delivery"

// ServiceLevelOf reads an invoice's SLA evidence for print. Each covered
// service gets a row with its uptime by the minute and its downtime
// intervals in the invoice's zone, and the delivery latency a row of its
// own. Invoices computed before services were measured by the minute
// (evidence of probe checks only) print one row for all probed services,
// their downtime not itemized.
func ServiceLevelOf(inv Invoice) ServiceLevel {
	ev := inv.Evidence
	latency := fmt.Sprintf("%s%% of %d deliveries within %s", ppm(ev.LatencySharePPM), ev.Deliveries, ev.LatencyTarget)
	var sl ServiceLevel
	if len(ev.Services) == 0 && ev.Checks > 0 {
		sl.Services = []ServiceRow{{
			Service:      "All probed services",
			Availability: fmt.Sprintf("%s%% (%d of %d probe checks)", ppm(ev.AvailabilityPPM), ev.Successes, ev.Checks),
			Latency:      latency,
		}}
	} else {
		loc := inv.Period.From.Location()
		for _, s := range ev.Services {
			sl.Services = append(sl.Services, ServiceRow{Service: s.Service, Availability: uptimeText(s), Downtime: outagesText(s.Downtime, loc)})
		}
		if ev.LatencyTarget > 0 {
			sl.Services = append(sl.Services, ServiceRow{Service: DeliveryService, Latency: latency})
		}
	}
	avail := "availability " + met(ev.AvailabilityMet)
	if ev.CreditService != "" {
		avail += ", " + ev.CreditService + "'s credit applies"
	}
	switch {
	case ev.CreditBP > 0:
		sl.Credit = fmt.Sprintf("SLA credit: %s%% of the fees (%s, delivery latency %s).", bp(ev.CreditBP), avail, met(ev.LatencyMet))
	default:
		sl.Credit = fmt.Sprintf("No SLA credit (%s, delivery latency %s).", avail, met(ev.LatencyMet))
	}
	return sl
}

// uptimeText is a covered service's availability by the minute.
func uptimeText(s sla.ServiceCredit) string {
	out := ppm(s.UptimePPM) + "% by the minute"
	if s.TargetPPM > 0 {
		out += " (target " + ppm(s.TargetPPM) + "%)"
	}
	return fmt.Sprintf("%s, %d min down, %d min unknown; credit %s%%", out, s.DowntimeMinutes, s.UnknownMinutes, bp(s.CreditBP))
}

// outagesText lists downtime intervals in loc: "2026-11-07 03:00 CET to
// 2026-11-07 04:26 CET, 86 min (probe+incident)". Never nil: the
// evidence itemizes them.
func outagesText(os []sla.Outage, loc *time.Location) []string {
	out := make([]string, 0, len(os))
	for _, o := range os {
		out = append(out, fmt.Sprintf("%s to %s, %d min (%s)",
			o.Start.In(loc).Format("2006-01-02 15:04 MST"), o.End.In(loc).Format("2006-01-02 15:04 MST"), o.Minutes, o.Cause))
	}
	return out
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
	return strings.Join(r.Downtime, "; ")
}

// Fields are a row's figures as printed, label and value: availability
// and downtime where availability is measured, latency where it is.
func (r ServiceRow) Fields() [][2]string {
	var out [][2]string
	if r.Availability != "" {
		out = append(out, [2]string{"Availability", r.Availability}, [2]string{"Downtime", r.DowntimeText()})
	}
	if r.Latency != "" {
		out = append(out, [2]string{"Delivery latency", r.Latency})
	}
	return out
}

// Summary is a row in one line: "smtp: availability …; downtime …".
func (r ServiceRow) Summary() string {
	return r.Service + ": " + strings.Join(r.phrases(true), "; ")
}

// phrases are a row's fields as "label value"; downtime is left out
// when it is itemized and not inline (Lines prints it line by line).
func (r ServiceRow) phrases(inlineDowntime bool) []string {
	var out []string
	for _, f := range r.Fields() {
		if f[0] == "Downtime" && len(r.Downtime) > 0 && !inlineDowntime {
			continue
		}
		out = append(out, strings.ToLower(f[0])+" "+f[1])
	}
	return out
}

// Sentence is the service level in one paragraph (the UBL note).
func (sl ServiceLevel) Sentence() string {
	out := "Measured service:"
	for _, s := range sl.Services {
		out += " " + s.Summary() + "."
	}
	return out + " " + sl.Credit
}

// Lines is the service level as text lines: a heading, a line per
// service with each downtime interval on a line of its own, the credit.
func (sl ServiceLevel) Lines() []string {
	out := []string{"Service level (SLA evidence):"}
	for _, s := range sl.Services {
		out = append(out, "  "+s.Service+": "+strings.Join(s.phrases(false), "; "))
		for _, d := range s.Downtime {
			out = append(out, "    down "+d)
		}
	}
	return append(out, sl.Credit)
}
