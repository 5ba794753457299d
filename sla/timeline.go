package sla

import "time"

// State is what is known of a service (or a target) in one minute.
type State uint8

// States of a minute.
const (
	Up      State = iota // answered as it should, or failed fewer times in a row than counts
	Down                 // down by the service's rule, or by an incident
	Unknown              // no check speaks for the minute: the prober was not running
)

func (s State) String() string {
	switch s {
	case Up:
		return "up"
	case Down:
		return "down"
	}
	return "unknown"
}

// Interval is the half-open stretch of time [Start, End).
type Interval struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Minutes returns the whole minutes of the interval.
func (iv Interval) Minutes() int64 { return int64(iv.End.Sub(iv.Start) / time.Minute) }

// In returns iv with its times in loc.
func (iv Interval) In(loc *time.Location) Interval {
	return Interval{iv.Start.In(loc), iv.End.In(loc)}
}

// Timeline is a state per minute from Start (a whole minute, UTC).
type Timeline struct {
	Start  time.Time
	States []State
}

// NewTimeline returns a timeline of the minutes of [from, to) (from
// rounded down, to up to whole minutes), every one fill.
func NewTimeline(from, to time.Time, fill State) Timeline {
	from, to = floorMinute(from), ceilMinute(to)
	n := max(int(to.Sub(from)/time.Minute), 0)
	t := Timeline{Start: from, States: make([]State, n)}
	if fill != Up {
		for i := range t.States {
			t.States[i] = fill
		}
	}
	return t
}

// End returns the end of the timeline's last minute.
func (t Timeline) End() time.Time { return t.Start.Add(time.Duration(len(t.States)) * time.Minute) }

// index returns the minute of at, which may lie outside the timeline.
func (t Timeline) index(at time.Time) int {
	d := at.Sub(t.Start)
	i := int(d / time.Minute)
	if d%time.Minute < 0 {
		i--
	}
	return i
}

// span returns the indexes [i, j) of the minutes iv overlaps, clipped to
// the timeline.
func (t Timeline) span(iv Interval) (int, int) {
	i := max(t.index(iv.Start), 0)
	j := min(t.index(ceilMinute(iv.End)), len(t.States))
	return i, max(i, j)
}

// Set gives every minute iv overlaps the state s.
func (t Timeline) Set(iv Interval, s State) {
	i, j := t.span(iv)
	for ; i < j; i++ {
		t.States[i] = s
	}
}

// Runs returns the maximal runs of minutes in state s.
func (t Timeline) Runs(s State) []Interval {
	return runs(len(t.States), t.Start, func(i int) bool { return t.States[i] == s })
}

// runs returns the maximal runs of the n minutes from start where in is
// true.
func runs(n int, start time.Time, in func(i int) bool) []Interval {
	var out []Interval
	for i := 0; i < n; {
		if !in(i) {
			i++
			continue
		}
		j := i
		for j < n && in(j) {
			j++
		}
		out = append(out, Interval{start.Add(time.Duration(i) * time.Minute), start.Add(time.Duration(j) * time.Minute)})
		i = j
	}
	return out
}

// Clip returns iv cut to [from, to), and false if nothing is left.
func (iv Interval) Clip(from, to time.Time) (Interval, bool) {
	if iv.Start.Before(from) {
		iv.Start = from
	}
	if iv.End.After(to) {
		iv.End = to
	}
	return iv, iv.Start.Before(iv.End)
}

func floorMinute(t time.Time) time.Time { return t.UTC().Truncate(time.Minute) }

func ceilMinute(t time.Time) time.Time {
	f := floorMinute(t)
	if f.Before(t) {
		return f.Add(time.Minute)
	}
	return f
}
