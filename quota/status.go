package quota

import "math"

// Status is where a usage stands against its limits.
type Status string

// Statuses.
const (
	OK      Status = "ok"      // below the soft limit (or no limit)
	Warning Status = "warning" // at or over the soft limit
	Over    Status = "over"    // at or over the hard limit
)

// Meter is one quantity against its limits.
type Meter struct {
	Used    int64
	Soft    int64 // 0 = none
	Hard    int64 // 0 = none
	Percent float64
	Status  Status
}

// Limit returns the limit a quota bar shows: the hard limit, else the soft.
func (m Meter) Limit() int64 {
	if m.Hard > 0 {
		return m.Hard
	}
	return m.Soft
}

// Measure puts used against soft and hard limits (0 = none): Over at or
// beyond a hard limit, Warning at or beyond a soft one, OK otherwise. Percent
// is used against Limit, rounded to one decimal (0 without a limit).
func Measure(used, soft, hard int64) Meter {
	m := Meter{Used: used, Soft: soft, Hard: hard, Status: OK}
	switch {
	case hard > 0 && used >= hard:
		m.Status = Over
	case soft > 0 && used >= soft:
		m.Status = Warning
	}
	if l := m.Limit(); l > 0 {
		m.Percent = math.Round(float64(used)*1000/float64(l)) / 10
	}
	return m
}

// Worst returns the more severe of two statuses.
func Worst(a, b Status) Status {
	rank := map[Status]int{OK: 0, Warning: 1, Over: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}
