package sla

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
)

// Store keeps probe checks, the intervals settled from them, incidents and
// maintenance windows. Errors are *metering.Error values.
type Store interface {
	// Checks returns the checks of targets with At in [from, to).
	Checks(ctx context.Context, targets []string, from, to time.Time) ([]Check, error)
	// FirstCheck returns the time of the earliest stored check of
	// targets, and false if there is none.
	FirstCheck(ctx context.Context, targets []string) (time.Time, bool, error)
	// PruneChecks deletes the checks before t and returns how many.
	PruneChecks(ctx context.Context, before time.Time) (int64, error)

	// Settled returns how far a service's minutes are settled (the zero
	// Settled if never).
	Settled(ctx context.Context, service string) (Settled, error)
	// SettledIntervals returns the service's stored down and unknown
	// intervals overlapping [from, to), in time order.
	SettledIntervals(ctx context.Context, service string, from, to time.Time) ([]StateInterval, error)
	// Settle stores a service's intervals and moves its settled range
	// from prev to next in one transaction; Conflict, storing nothing, if
	// the stored range is not prev (another process settled meanwhile).
	Settle(ctx context.Context, service string, prev, next Settled, ivs []StateInterval) error

	// AddIncident stores an incident and returns it with its ID.
	AddIncident(ctx context.Context, in Incident) (Incident, error)
	// Incidents returns the incidents the query selects, by start.
	Incidents(ctx context.Context, q WindowQuery) ([]Incident, error)
	// DeleteIncident deletes an incident; NotFound if there is none.
	DeleteIncident(ctx context.Context, id int64) error
	// AddMaintenance stores a window and returns it with its ID.
	AddMaintenance(ctx context.Context, m Maintenance) (Maintenance, error)
	// Maintenance returns the windows the query selects, by start.
	Maintenance(ctx context.Context, q WindowQuery) ([]Maintenance, error)
	// DeleteMaintenance deletes a window; NotFound if there is none.
	DeleteMaintenance(ctx context.Context, id int64) error
}

// WindowQuery selects incidents or maintenance windows of Service ("" =
// every service) overlapping [From, To) (a zero bound is open).
type WindowQuery struct {
	Service  string
	From, To time.Time
}

// Settled is the stretch [Since, Until) of a service's minutes whose down
// and unknown intervals are stored: the checks behind them may be pruned.
type Settled struct {
	Since, Until time.Time
}

// StateInterval is a stored stretch of down or unknown minutes.
type StateInterval struct {
	Interval
	State State
}

// Service keeps incidents and maintenance windows, settles probe checks
// into intervals, and measures services over periods.
type Service struct {
	store      Store
	services   []MailService
	policy     Policy
	dir        directory.Store
	usage      metering.UsageStore
	plans      PlanTerms
	blacklists Blacklists
	now        func() time.Time
}

// Deps are what a Service reads and is told.
type Deps struct {
	Store     Store
	Services  []MailService
	Policy    Policy
	Directory directory.Store     // customers' zones, plans and mailboxes (reports)
	Usage     metering.UsageStore // latency and counters (reports)
	// Plans are the SLA terms by plan name (reports show the credit of
	// each, or of the customer's); nil = none.
	Plans PlanTerms
	// Blacklists lists blacklist listings; nil = not checked.
	Blacklists Blacklists
	Now        func() time.Time
}

// PlanTerms gives the plans' SLA terms by plan name, each plan's as in
// force on a day (plans change by versions: see billing.Catalog).
type PlanTerms interface {
	PlanTerms(ctx context.Context, day time.Time) (map[string]Terms, error)
}

// TermsByPlan are plans' terms that do not change.
type TermsByPlan map[string]Terms

// PlanTerms implements PlanTerms.
func (m TermsByPlan) PlanTerms(context.Context, time.Time) (map[string]Terms, error) { return m, nil }

// NewService returns a Service; it refuses invalid services or policy.
func NewService(d Deps) (*Service, error) {
	if err := d.Policy.Validate(); err != nil {
		return nil, fmt.Errorf("sla: %w", err)
	}
	seen := map[string]bool{}
	for i, m := range d.Services {
		if err := m.Validate(); err != nil {
			return nil, fmt.Errorf("services[%d]: %w", i, err)
		}
		if seen[m.Name] {
			return nil, fmt.Errorf("services[%d]: service %q is defined twice", i, m.Name)
		}
		seen[m.Name] = true
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Plans == nil {
		d.Plans = TermsByPlan{}
	}
	return &Service{store: d.Store, services: slices.Clone(d.Services), policy: d.Policy, dir: d.Directory, usage: d.Usage,
		plans: d.Plans, blacklists: d.Blacklists, now: d.Now}, nil
}

// ServicesOf returns the services of a configuration: those defined, or
// without any, each probe its own service.
func ServicesOf(defined []MailService, probes []string) []MailService {
	if len(defined) > 0 {
		return defined
	}
	out := make([]MailService, len(probes))
	for i, p := range probes {
		out[i] = MailService{Name: p, Targets: []string{p}}
	}
	return out
}

// AddIncident records an incident.
func (s *Service) AddIncident(ctx context.Context, in IncidentInput) (Incident, error) {
	inc, err := in.Validate(s.now())
	if err != nil {
		return inc, err
	}
	return s.store.AddIncident(ctx, inc)
}

// Incidents lists incidents.
func (s *Service) Incidents(ctx context.Context, q WindowQuery) ([]Incident, error) {
	return s.store.Incidents(ctx, q)
}

// DeleteIncident deletes an incident; NotFound if there is none.
func (s *Service) DeleteIncident(ctx context.Context, id int64) error {
	return s.store.DeleteIncident(ctx, id)
}

// AddMaintenance records a maintenance window.
func (s *Service) AddMaintenance(ctx context.Context, in MaintenanceInput) (Maintenance, error) {
	m, err := in.Validate(s.now())
	if err != nil {
		return m, err
	}
	return s.store.AddMaintenance(ctx, m)
}

// Maintenance lists maintenance windows.
func (s *Service) Maintenance(ctx context.Context, q WindowQuery) ([]Maintenance, error) {
	return s.store.Maintenance(ctx, q)
}

// DeleteMaintenance deletes a window; NotFound if there is none.
func (s *Service) DeleteMaintenance(ctx context.Context, id int64) error {
	return s.store.DeleteMaintenance(ctx, id)
}

// Figures measures every service over [from, to) (to is cut at the end
// of the current minute, which counts as measured so far; times are shown,
// and maintenance years counted, in from's zone): the configured services
// and those named by an incident or a maintenance window of the period, by
// name.
func (s *Service) Figures(ctx context.Context, from, to time.Time) ([]Figures, error) {
	loc := from.Location()
	if now := ceilMinute(s.now()); to.After(now) {
		to = now.In(loc)
	}
	if !from.Before(to) {
		return []Figures{}, nil
	}
	period := Interval{from, to}
	margin := s.policy.margin()
	wf, wt := floorMinute(from.Add(-margin)), ceilMinute(to.Add(margin))
	incs, err := s.store.Incidents(ctx, WindowQuery{From: wf, To: wt})
	if err != nil {
		return nil, err
	}
	// Windows as old as a year before the period decide its cap.
	yearStart := time.Date(wf.In(loc).Year()-1, 1, 1, 0, 0, 0, 0, loc)
	wins, err := s.store.Maintenance(ctx, WindowQuery{From: yearStart, To: wt})
	if err != nil {
		return nil, err
	}
	out := []Figures{}
	for _, m := range s.known(period, incs, wins) {
		tl, err := s.probeTimeline(ctx, m, wf, wt)
		if err != nil {
			return nil, err
		}
		out = append(out, Evaluate(period, s.evidence(m.Name, tl, incs, wins, loc), s.policy))
	}
	return out, nil
}

// evidence gathers a service's probe timeline, its incidents and its
// maintenance windows overlapping the timeline, qualified against all of
// the service's windows given.
func (s *Service) evidence(service string, tl Timeline, incs []Incident, wins []Maintenance, loc *time.Location) Evidence {
	ev := Evidence{Service: service, Probe: tl}
	for _, in := range incs {
		if in.Service == service {
			ev.Incidents = append(ev.Incidents, in)
		}
	}
	var own []Maintenance
	for _, w := range wins {
		if w.Service == service {
			own = append(own, w)
		}
	}
	for _, o := range Qualify(own, s.policy, loc) {
		if _, ok := o.Span().Clip(tl.Start, tl.End()); ok {
			ev.Maintenance = append(ev.Maintenance, o)
		}
	}
	return ev
}

// known returns the configured services and, without probes, those an
// incident or a window overlapping the period names, by name.
func (s *Service) known(period Interval, incs []Incident, wins []Maintenance) []MailService {
	byName := map[string]MailService{}
	for _, m := range s.services {
		byName[m.Name] = m
	}
	named := func(service string, iv Interval) {
		if _, ok := byName[service]; !ok {
			if _, in := iv.Clip(period.Start, period.End); in {
				byName[service] = MailService{Name: service}
			}
		}
	}
	for _, in := range incs {
		named(in.Service, in.Span())
	}
	for _, w := range wins {
		named(w.Service, w.Span())
	}
	out := make([]MailService, 0, len(byName))
	for _, m := range byName {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// probeTimeline is a service's state per minute of [from, to) by its
// probes: stored intervals where they are settled, checks after that.
func (s *Service) probeTimeline(ctx context.Context, m MailService, from, to time.Time) (Timeline, error) {
	tl := NewTimeline(from, to, Unknown)
	if len(m.Targets) == 0 {
		return tl, nil
	}
	st, err := s.store.Settled(ctx, m.Name)
	if err != nil {
		return tl, err
	}
	rawFrom := tl.Start
	if !st.Until.IsZero() && tl.Start.Before(st.Until) {
		tl.Set(Interval{st.Since, st.Until}, Up)
		ivs, err := s.store.SettledIntervals(ctx, m.Name, tl.Start, st.Until)
		if err != nil {
			return tl, err
		}
		for _, iv := range ivs {
			if c, ok := iv.Clip(st.Since, st.Until); ok {
				tl.Set(c, iv.State)
			}
		}
		rawFrom = st.Until
	}
	if !rawFrom.Before(tl.End()) {
		return tl, nil
	}
	lb := m.Lookback(s.policy.Interval)
	checks, err := s.store.Checks(ctx, m.Targets, rawFrom.Add(-lb), tl.End().Add(lb))
	if err != nil {
		return tl, err
	}
	part := m.Timeline(checks, rawFrom, tl.End(), s.policy.Interval)
	copy(tl.States[tl.index(rawFrom):], part.States)
	return tl, nil
}
