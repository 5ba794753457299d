package sla

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"
)

// Rules of a service with several targets.
const (
	AnyDown = "any" // down when any target is down (the default)
	AllDown = "all" // down only when every target is down (an HA pair, a cluster)
)

// MailService is one service as configured: the probe targets that check
// it and when it counts as down.
type MailService struct {
	Name     string
	Targets  []string // probe names
	DownWhen string   // AnyDown ("" = AnyDown) or AllDown
	// Failures is how many consecutive failed checks of a target make it
	// down (from the first of them); 0 = 1.
	Failures int
}

var serviceName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// CheckServiceName returns an Invalid error naming field unless name is a
// service name: lower-case letters, digits, '.', '_', '-', at most 63.
func CheckServiceName(field, name string) error {
	if !serviceName.MatchString(name) {
		return invalid(field, "service %q: want lower-case letters, digits, '.', '_' or '-' (at most 63)", name)
	}
	return nil
}

// Validate checks a service's definition.
func (m MailService) Validate() error {
	if err := CheckServiceName("name", m.Name); err != nil {
		return err
	}
	switch {
	case len(m.Targets) == 0:
		return errors.New("a service needs at least one probe")
	case m.DownWhen != "" && m.DownWhen != AnyDown && m.DownWhen != AllDown:
		return fmt.Errorf("down_when %q: want any or all", m.DownWhen)
	case m.Failures < 0:
		return errors.New("failures must not be negative")
	}
	return nil
}

func (m MailService) failures() int { return max(m.Failures, 1) }

// Check is one probe check of a target.
type Check struct {
	Target string
	At     time.Time
	Up     bool
}

// Coverage is how long a check speaks for its target when no later check
// follows: two probe intervals, so that one late or missed round is not a
// gap in the evidence.
func Coverage(interval time.Duration) time.Duration { return 2 * max(interval, time.Second) }

// Lookback is how long before (and after) a range its checks still decide
// minutes of it: a run of failures long enough to count, and the check
// that speaks for the first minutes.
func (m MailService) Lookback(interval time.Duration) time.Duration {
	return time.Duration(m.failures()+1) * Coverage(interval)
}

// Timeline returns the service's state in every minute of [from, to),
// from its targets' checks (any order; checks of other targets are
// ignored). A target's minute is decided by the target's checks in it
// (down if any of them is), else by its latest check before it if that
// is within Coverage, else it is unknown. A failed check counts only in a
// run of at least Failures consecutive failed checks. Checks up to
// Lookback before and after the range should be given.
func (m MailService) Timeline(checks []Check, from, to time.Time, interval time.Duration) Timeline {
	out := NewTimeline(from, to, Unknown)
	if len(m.Targets) == 0 {
		return out
	}
	per := make([]Timeline, len(m.Targets))
	for i, target := range m.Targets {
		var cs []Check
		for _, c := range checks {
			if c.Target == target {
				cs = append(cs, c)
			}
		}
		slices.SortStableFunc(cs, func(a, b Check) int { return a.At.Compare(b.At) })
		per[i] = targetTimeline(cs, m.failures(), out.Start, len(out.States), Coverage(interval))
	}
	for k := range out.States {
		out.States[k] = m.combine(per, k)
	}
	return out
}

// combine applies the service's rule to its targets' states of minute k.
func (m MailService) combine(per []Timeline, k int) State {
	var up, down, unknown int
	for _, t := range per {
		switch t.States[k] {
		case Up:
			up++
		case Down:
			down++
		default:
			unknown++
		}
	}
	if m.DownWhen == AllDown {
		switch {
		case up > 0:
			return Up
		case unknown == 0:
			return Down
		}
		return Unknown
	}
	switch {
	case down > 0:
		return Down
	case unknown > 0:
		return Unknown
	}
	return Up
}

// targetTimeline is one target's state in n minutes from start, from its
// checks sorted by time.
func targetTimeline(cs []Check, failures int, start time.Time, n int, coverage time.Duration) Timeline {
	down := downChecks(cs, failures)
	t := Timeline{Start: start, States: make([]State, n)}
	j := 0 // the first check at or after the minute's start
	for k := range t.States {
		ms := start.Add(time.Duration(k) * time.Minute)
		me := ms.Add(time.Minute)
		for j < len(cs) && cs[j].At.Before(ms) {
			j++
		}
		st, seen := Up, false
		for l := j; l < len(cs) && cs[l].At.Before(me); l++ {
			seen = true
			if down[l] {
				st = Down
			}
		}
		switch {
		case seen:
		case j > 0 && ms.Before(cs[j-1].At.Add(coverage)):
			if down[j-1] {
				st = Down
			}
		default:
			st = Unknown
		}
		t.States[k] = st
	}
	return t
}

// downChecks marks the failed checks that are part of a run of at least
// failures consecutive failed checks.
func downChecks(cs []Check, failures int) []bool {
	down := make([]bool, len(cs))
	for i := 0; i < len(cs); {
		if cs[i].Up {
			i++
			continue
		}
		j := i
		for j < len(cs) && !cs[j].Up {
			j++
		}
		if j-i >= failures {
			for k := i; k < j; k++ {
				down[k] = true
			}
		}
		i = j
	}
	return down
}
