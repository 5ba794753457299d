package sla

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mailmeter/mailmeter/metering"
)

// Incident is downtime of a service reported from outside: a monitor
// (Pingdom and the like) or an operator's log. It counts as down in every
// minute it overlaps, merged with probe downtime (an overlap counts once).
type Incident struct {
	ID        int64     `json:"id"`
	Service   string    `json:"service"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}

// Maintenance is an announced maintenance window of a service. Downtime in
// it is excluded if it qualifies (see Qualify), counted otherwise; the
// window itself is not evidence of downtime.
type Maintenance struct {
	ID        int64     `json:"id"`
	Service   string    `json:"service"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Announced time.Time `json:"announced"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}

// Span returns the window as an interval.
func (m Maintenance) Span() Interval { return Interval{m.Start, m.End} }

// Span returns the incident as an interval.
func (i Incident) Span() Interval { return Interval{i.Start, i.End} }

// MaxSpan bounds an incident or a maintenance window.
const MaxSpan = 366 * 24 * time.Hour

// IncidentInput records an incident.
type IncidentInput struct {
	Service    string
	Start, End time.Time
	Reason     string
}

// MaintenanceInput records a maintenance window; a zero Announced means
// now.
type MaintenanceInput struct {
	Service               string
	Start, End, Announced time.Time
	Reason                string
}

// Validate checks an incident at now and returns it, times in UTC to the
// second.
func (in IncidentInput) Validate(now time.Time) (Incident, error) {
	if err := checkSpan(in.Service, in.Start, in.End, in.Reason); err != nil {
		return Incident{}, err
	}
	if in.Start.After(now) {
		return Incident{}, invalid("start", "start %s is in the future: an incident is recorded once it began", in.Start.UTC().Format(time.RFC3339))
	}
	return Incident{Service: in.Service, Start: second(in.Start), End: second(in.End), Reason: in.Reason, CreatedAt: second(now)}, nil
}

// Validate checks a maintenance window at now and returns it, times in
// UTC to the second.
func (in MaintenanceInput) Validate(now time.Time) (Maintenance, error) {
	if err := checkSpan(in.Service, in.Start, in.End, in.Reason); err != nil {
		return Maintenance{}, err
	}
	ann := in.Announced
	if ann.IsZero() {
		ann = now
	}
	if ann.After(now.Add(time.Minute)) {
		return Maintenance{}, invalid("announced", "announced %s is in the future: give when customers were told", ann.UTC().Format(time.RFC3339))
	}
	return Maintenance{Service: in.Service, Start: second(in.Start), End: second(in.End), Announced: second(ann), Reason: in.Reason,
		CreatedAt: second(now)}, nil
}

// second is t in UTC to the second, as stored.
func second(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

func checkSpan(service string, start, end time.Time, reason string) error {
	if err := CheckServiceName("service", service); err != nil {
		return err
	}
	switch {
	case start.IsZero():
		return invalid("start", "start is required")
	case end.IsZero():
		return invalid("end", "end is required")
	case !end.After(start):
		return invalid("end", "end %s must be after start %s", end.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339))
	case end.Sub(start) > MaxSpan:
		return invalid("end", "at most %s from start to end", human(MaxSpan))
	case len(reason) > 500:
		return invalid("reason", "reason: at most 500 bytes")
	case !utf8.ValidString(reason) || strings.IndexFunc(reason, unicode.IsControl) >= 0:
		return invalid("reason", "reason: UTF-8 text without control characters")
	}
	return nil
}

// MaintenanceOutcome is a window with the decision on it.
type MaintenanceOutcome struct {
	Maintenance
	Excluded bool   // its downtime does not count
	Why      string // the reason, for the report
}

// Qualify decides for each window whether downtime in it is excluded: it
// must be announced at least p.MaintenanceNotice before its start, and
// together with the service's earlier excluded windows starting in the
// same calendar year (in loc) last at most p.MaintenanceCap. A window that
// would exceed the cap is counted whole. ws are one service's windows; all
// of each year concerned must be given, in any order.
func Qualify(ws []Maintenance, p Policy, loc *time.Location) []MaintenanceOutcome {
	ws = slices.Clone(ws)
	slices.SortFunc(ws, func(a, b Maintenance) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	used := map[int]time.Duration{}
	out := make([]MaintenanceOutcome, len(ws))
	for i, w := range ws {
		year := w.Start.In(loc).Year()
		notice, length := w.Start.Sub(w.Announced), w.End.Sub(w.Start)
		o := MaintenanceOutcome{Maintenance: w}
		switch {
		case notice < 0:
			o.Why = fmt.Sprintf("counted: announced %s after its start; the SLA asks for %s ahead", human(-notice), human(p.MaintenanceNotice))
		case notice < p.MaintenanceNotice:
			o.Why = fmt.Sprintf("counted: announced %s before its start; the SLA asks for %s", human(notice), human(p.MaintenanceNotice))
		case used[year]+length > p.MaintenanceCap:
			o.Why = fmt.Sprintf("counted: with %s already used in %d, this %s window exceeds the yearly maintenance cap of %s",
				human(used[year]), year, human(length), human(p.MaintenanceCap))
		default:
			used[year] += length
			o.Excluded = true
			o.Why = fmt.Sprintf("excluded: announced %s ahead (at least %s); %s of the %s yearly cap used in %d",
				human(notice), human(p.MaintenanceNotice), human(used[year]), human(p.MaintenanceCap), year)
		}
		out[i] = o
	}
	return out
}

// human formats a duration as days, hours and minutes ("5d", "1h30m",
// "0m"); a negative one with a leading "-".
func human(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	d = d.Round(time.Minute)
	days, h, m := d/(24*time.Hour), d%(24*time.Hour)/time.Hour, d%time.Hour/time.Minute
	var b strings.Builder
	if days > 0 {
		fmt.Fprintf(&b, "%dd", days)
	}
	if h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m > 0 || b.Len() == 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	return sign + b.String()
}

func invalid(field, format string, args ...any) error {
	return metering.FieldError(field, format, args...)
}
