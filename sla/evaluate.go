package sla

import (
	"errors"
	"time"
)

// Policy is how minutes count: the configuration's sla: keys.
type Policy struct {
	// Interval is the probes' interval: a check speaks for two of them.
	Interval time.Duration
	// MinOutage: a stretch of downtime shorter than this does not count.
	MinOutage time.Duration
	// UnknownAsDown counts unknown minutes (no check: the prober was not
	// running) as down; by default they count as up. Either way they are
	// reported separately.
	UnknownAsDown bool
	// MaintenanceNotice is how long before its start a window must be
	// announced to be excluded; MaintenanceCap how much maintenance per
	// calendar year may be excluded.
	MaintenanceNotice time.Duration
	MaintenanceCap    time.Duration
	// Retention is how long raw checks are kept (0 = forever); downtime
	// intervals derived from them are kept forever.
	Retention time.Duration
}

// Defaults of Policy.
const (
	DefaultMinOutage         = time.Minute
	DefaultMaintenanceNotice = 5 * 24 * time.Hour
	DefaultMaintenanceCap    = 12 * time.Hour
	DefaultRetention         = 90 * 24 * time.Hour
)

// DefaultPolicy returns the policy of an empty sla: configuration with
// probes every interval.
func DefaultPolicy(interval time.Duration) Policy {
	return Policy{Interval: interval, MinOutage: DefaultMinOutage, MaintenanceNotice: DefaultMaintenanceNotice,
		MaintenanceCap: DefaultMaintenanceCap, Retention: DefaultRetention}
}

// Validate checks a policy.
func (p Policy) Validate() error {
	switch {
	case p.Interval <= 0:
		return errors.New("probe interval must be positive")
	case p.MinOutage < 0 || p.MaintenanceNotice < 0 || p.MaintenanceCap < 0 || p.Retention < 0:
		return errors.New("durations must not be negative")
	}
	return nil
}

// margin is how far beyond a period the timeline must reach so that an
// outage crossing the period's edge is judged by its whole length.
func (p Policy) margin() time.Duration { return ceilDuration(max(p.MinOutage, time.Minute)) }

func ceilDuration(d time.Duration) time.Duration { return (d + time.Minute - 1).Truncate(time.Minute) }

// Causes of downtime.
const (
	CauseProbe    = "probe"
	CauseIncident = "incident"
	CauseBoth     = "probe+incident"
)

// Outage is a stretch of downtime within a period.
type Outage struct {
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Minutes int64     `json:"minutes"`
	Cause   string    `json:"cause"` // probe, incident or probe+incident
}

// Span is a stretch of unknown minutes within a period.
type Span struct {
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Minutes int64     `json:"minutes"`
}

// WindowFigures is a maintenance window as the period's report shows it.
type WindowFigures struct {
	ID        int64     `json:"id"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Announced time.Time `json:"announced"`
	Reason    string    `json:"reason"`
	Counted   bool      `json:"counted"`
	Why       string    `json:"why"`
	Minutes   int64     `json:"minutes"` // of the window in the period
	// DowntimeMinutes is the downtime inside the window (and the period):
	// excluded if the window is not counted.
	DowntimeMinutes int64 `json:"downtime_minutes"`
}

// Figures are a service's figures over a period.
type Figures struct {
	Service         string  `json:"service"`
	Minutes         int64   `json:"minutes"`
	UptimePPM       int64   `json:"uptime_ppm"` // rounded down
	UptimePercent   float64 `json:"uptime_percent"`
	DowntimeMinutes int64   `json:"downtime_minutes"`
	UnknownMinutes  int64   `json:"unknown_minutes"`
	UnknownAsDown   bool    `json:"unknown_counted_as_down"`
	// Downtime are the counted outages; ShortOutages those shorter than
	// the policy's minimum, which do not count.
	Downtime     []Outage        `json:"downtime"`
	ShortOutages []Outage        `json:"short_outages"`
	Unknown      []Span          `json:"unknown"`
	Maintenance  []WindowFigures `json:"maintenance"`
	Incidents    []Incident      `json:"incidents"`
}

// Evidence is what one service's figures are computed from.
type Evidence struct {
	Service string
	// Probe is the state per minute by the probes, reaching at least a
	// minute (and MinOutage) beyond the period on both sides.
	Probe       Timeline
	Incidents   []Incident
	Maintenance []MaintenanceOutcome
}

// Evaluate computes a service's figures over period (its times in the
// zone intervals are shown in): incidents merge with probe downtime (an
// overlap counts once), excluded maintenance removes downtime, outages
// shorter than p.MinOutage do not count, unknown minutes count as
// p.UnknownAsDown says. Uptime is the share of the period's minutes not
// counted down.
func Evaluate(period Interval, ev Evidence, p Policy) Figures {
	m := newMinutes(ev)
	f := Figures{Service: ev.Service, Minutes: period.Minutes(), UnknownAsDown: p.UnknownAsDown,
		Downtime: []Outage{}, ShortOutages: []Outage{}, Unknown: []Span{}, Maintenance: []WindowFigures{}, Incidents: []Incident{}}
	m.outages(&f, period, p.MinOutage)
	counted := f.DowntimeMinutes
	loc := period.Start.Location()
	for _, run := range runs(len(m.tl.States), m.tl.Start, m.unknown) {
		if iv, ok := run.Clip(period.Start, period.End); ok {
			f.Unknown = append(f.Unknown, Span{iv.Start.In(loc), iv.End.In(loc), iv.Minutes()})
			f.UnknownMinutes += iv.Minutes()
		}
	}
	if p.UnknownAsDown {
		counted += count(m.tl, period, func(i int) bool { return m.unknown(i) && !m.excluded[i] })
	}
	f.UptimePPM = 1_000_000
	if f.Minutes > 0 {
		f.UptimePPM = (f.Minutes - counted) * 1_000_000 / f.Minutes
	}
	f.UptimePercent = float64(f.UptimePPM) / 10_000
	f.Maintenance = m.windows(ev.Maintenance, period)
	for _, in := range ev.Incidents {
		if _, ok := in.Span().Clip(period.Start, period.End); ok {
			in.Start, in.End, in.CreatedAt = in.Start.In(loc), in.End.In(loc), in.CreatedAt.In(loc)
			f.Incidents = append(f.Incidents, in)
		}
	}
	return f
}

// minutes is a service's evidence laid over its timeline: which minutes
// an incident covers and which an excluded window does.
type minutes struct {
	tl                 Timeline
	incident, excluded []bool
}

func newMinutes(ev Evidence) minutes {
	m := minutes{tl: ev.Probe, incident: make([]bool, len(ev.Probe.States)), excluded: make([]bool, len(ev.Probe.States))}
	for _, in := range ev.Incidents {
		mark(m.tl, m.incident, in.Span())
	}
	for _, w := range ev.Maintenance {
		if w.Excluded {
			mark(m.tl, m.excluded, w.Span())
		}
	}
	return m
}

func (m minutes) down(i int) bool    { return m.tl.States[i] == Down || m.incident[i] }
func (m minutes) unknown(i int) bool { return m.tl.States[i] == Unknown && !m.incident[i] }

// outages adds the runs of down minutes outside excluded windows to f,
// clipped to the period: counted, or short if the whole run is shorter
// than minOutage.
func (m minutes) outages(f *Figures, period Interval, minOutage time.Duration) {
	loc := period.Start.Location()
	for _, run := range runs(len(m.tl.States), m.tl.Start, func(i int) bool { return m.down(i) && !m.excluded[i] }) {
		iv, ok := run.Clip(period.Start, period.End)
		if !ok {
			continue
		}
		o := Outage{Start: iv.Start.In(loc), End: iv.End.In(loc), Minutes: iv.Minutes(), Cause: cause(m.tl, m.incident, iv)}
		if time.Duration(run.Minutes())*time.Minute < minOutage {
			f.ShortOutages = append(f.ShortOutages, o)
			continue
		}
		f.Downtime = append(f.Downtime, o)
		f.DowntimeMinutes += o.Minutes
	}
}

// windows shows the maintenance windows overlapping the period with their
// minutes and the downtime inside them.
func (m minutes) windows(ws []MaintenanceOutcome, period Interval) []WindowFigures {
	loc := period.Start.Location()
	out := []WindowFigures{}
	for _, w := range ws {
		iv, ok := w.Span().Clip(period.Start, period.End)
		if !ok {
			continue
		}
		out = append(out, WindowFigures{ID: w.ID, Start: w.Start.In(loc), End: w.End.In(loc), Announced: w.Announced.In(loc),
			Reason: w.Reason, Counted: !w.Excluded, Why: w.Why, Minutes: minutesIn(m.tl, iv), DowntimeMinutes: count(m.tl, iv, m.down)})
	}
	return out
}

// mark sets the minutes of the timeline iv overlaps.
func mark(tl Timeline, set []bool, iv Interval) {
	i, j := tl.span(iv)
	for ; i < j; i++ {
		set[i] = true
	}
}

// count counts the minutes of iv (clipped to the timeline) where in holds.
func count(tl Timeline, iv Interval, in func(i int) bool) int64 {
	var n int64
	i, j := tl.span(iv)
	for ; i < j; i++ {
		if in(i) {
			n++
		}
	}
	return n
}

func minutesIn(tl Timeline, iv Interval) int64 {
	i, j := tl.span(iv)
	return int64(j - i)
}

// cause says where the downtime of iv comes from.
func cause(tl Timeline, incident []bool, iv Interval) string {
	probe, inc := false, false
	i, j := tl.span(iv)
	for ; i < j; i++ {
		probe = probe || tl.States[i] == Down
		inc = inc || incident[i]
	}
	switch {
	case probe && inc:
		return CauseBoth
	case inc:
		return CauseIncident
	}
	return CauseProbe
}
