// Package slatest holds an in-memory sla.Store for tests of the sla rules
// that need no database; the store package's contract tests hold it and
// the SQL stores to the same behaviour.
package slatest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/sla"
)

// Memory is an sla.Store in memory.
type Memory struct {
	mu          sync.Mutex
	checks      []sla.Check
	settled     map[string]sla.Settled
	intervals   map[string][]sla.StateInterval
	incidents   []sla.Incident
	maintenance []sla.Maintenance
	lastID      int64
}

var _ sla.Store = (*Memory)(nil)

// NewMemory returns an empty store.
func NewMemory() *Memory {
	return &Memory{settled: map[string]sla.Settled{}, intervals: map[string][]sla.StateInterval{}}
}

// AddChecks stores checks, as probe results are committed.
func (m *Memory) AddChecks(cs ...sla.Check) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.checks = append(m.checks, cs...)
}

// Len returns how many checks are stored.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.checks)
}

// Checks implements sla.Store.
func (m *Memory) Checks(_ context.Context, targets []string, from, to time.Time) ([]sla.Check, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []sla.Check
	for _, c := range m.checks {
		if slices.Contains(targets, c.Target) && !c.At.Before(from) && c.At.Before(to) {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b sla.Check) int { return a.At.Compare(b.At) })
	return out, nil
}

// FirstCheck implements sla.Store.
func (m *Memory) FirstCheck(_ context.Context, targets []string) (time.Time, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var first time.Time
	for _, c := range m.checks {
		if slices.Contains(targets, c.Target) && (first.IsZero() || c.At.Before(first)) {
			first = c.At
		}
	}
	return first, !first.IsZero(), nil
}

// PruneChecks implements sla.Store.
func (m *Memory) PruneChecks(_ context.Context, before time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	kept := m.checks[:0]
	for _, c := range m.checks {
		if !c.At.Before(before) {
			kept = append(kept, c)
		}
	}
	n := int64(len(m.checks) - len(kept))
	m.checks = kept
	return n, nil
}

// Settled implements sla.Store.
func (m *Memory) Settled(_ context.Context, service string) (sla.Settled, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.settled[service], nil
}

// SettledIntervals implements sla.Store.
func (m *Memory) SettledIntervals(_ context.Context, service string, from, to time.Time) ([]sla.StateInterval, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []sla.StateInterval
	for _, iv := range m.intervals[service] {
		if iv.End.After(from) && iv.Start.Before(to) {
			out = append(out, iv)
		}
	}
	slices.SortStableFunc(out, func(a, b sla.StateInterval) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// Settle implements sla.Store.
func (m *Memory) Settle(_ context.Context, service string, prev, next sla.Settled, ivs []sla.StateInterval) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur := m.settled[service]; !cur.Since.Equal(prev.Since) || !cur.Until.Equal(prev.Until) {
		return metering.Errorf(metering.Conflict, "service %s is settled until %s, not %s", service, cur.Until, prev.Until)
	}
	m.settled[service] = next
	m.intervals[service] = append(m.intervals[service], ivs...)
	return nil
}

// AddIncident implements sla.Store.
func (m *Memory) AddIncident(_ context.Context, in sla.Incident) (sla.Incident, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lastID++
	in.ID = m.lastID
	m.incidents = append(m.incidents, in)
	return in, nil
}

// Incidents implements sla.Store.
func (m *Memory) Incidents(_ context.Context, q sla.WindowQuery) ([]sla.Incident, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []sla.Incident
	for _, in := range m.incidents {
		if selects(q, in.Service, in.Start, in.End) {
			out = append(out, in)
		}
	}
	slices.SortStableFunc(out, func(a, b sla.Incident) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// DeleteIncident implements sla.Store.
func (m *Memory) DeleteIncident(_ context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, in := range m.incidents {
		if in.ID == id {
			m.incidents = slices.Delete(m.incidents, i, i+1)
			return nil
		}
	}
	return metering.Errorf(metering.NotFound, "incident %d does not exist", id)
}

// AddMaintenance implements sla.Store.
func (m *Memory) AddMaintenance(_ context.Context, w sla.Maintenance) (sla.Maintenance, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lastID++
	w.ID = m.lastID
	m.maintenance = append(m.maintenance, w)
	return w, nil
}

// Maintenance implements sla.Store.
func (m *Memory) Maintenance(_ context.Context, q sla.WindowQuery) ([]sla.Maintenance, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []sla.Maintenance
	for _, w := range m.maintenance {
		if selects(q, w.Service, w.Start, w.End) {
			out = append(out, w)
		}
	}
	slices.SortStableFunc(out, func(a, b sla.Maintenance) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// DeleteMaintenance implements sla.Store.
func (m *Memory) DeleteMaintenance(_ context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, w := range m.maintenance {
		if w.ID == id {
			m.maintenance = slices.Delete(m.maintenance, i, i+1)
			return nil
		}
	}
	return metering.Errorf(metering.NotFound, "maintenance window %d does not exist", id)
}

func selects(q sla.WindowQuery, service string, start, end time.Time) bool {
	return (q.Service == "" || q.Service == service) && (q.To.IsZero() || start.Before(q.To)) && (q.From.IsZero() || end.After(q.From))
}
