// Package nagios speaks the monitoring plugin protocol of Nagios, Icinga,
// Naemon and Sensu: an exit status (0 OK, 1 WARNING, 2 CRITICAL, 3
// UNKNOWN), one status line with performance data after a "|", and
// thresholds in the plugin guidelines' range syntax ("10", "10:", "~:10",
// "10:20", "@10:20").
package nagios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Status is a plugin's verdict; its value is the exit status.
type Status int

// Statuses, in the plugin guidelines' order.
const (
	OK       Status = 0
	Warning  Status = 1
	Critical Status = 2
	Unknown  Status = 3
)

func (s Status) String() string {
	switch s {
	case OK:
		return "OK"
	case Warning:
		return "WARNING"
	case Critical:
		return "CRITICAL"
	}
	return "UNKNOWN"
}

// Worse returns the more severe of two statuses (UNKNOWN ranks between
// WARNING and CRITICAL, as the guidelines' service states do for alerts).
func Worse(a, b Status) Status {
	rank := map[Status]int{OK: 0, Warning: 1, Unknown: 2, Critical: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// Range is a threshold: a value outside [Lo, Hi] alerts (inside, with
// Inside). The zero Range never alerts.
type Range struct {
	Text   string // as given, for the performance data
	Lo, Hi float64
	Inside bool
	set    bool
}

// ParseRange reads a threshold: "10" (outside 0…10), "10:" (below 10),
// "~:10" (above 10), "10:20", and "@10:20" (inside 10…20). "" never alerts.
func ParseRange(s string) (Range, error) {
	r := Range{Text: s, Lo: 0, Hi: math.Inf(1)}
	if s == "" {
		return Range{}, nil
	}
	body := s
	if rest, ok := strings.CutPrefix(body, "@"); ok {
		r.Inside, body = true, rest
	}
	if body == "" {
		return r, fmt.Errorf("threshold %q: no range after @", s)
	}
	lo, hi, hasColon := strings.Cut(body, ":")
	if !hasColon {
		lo, hi = "0", body
	}
	var err error
	switch lo {
	case "~":
		r.Lo = math.Inf(-1)
	case "":
		r.Lo = 0
	default:
		if r.Lo, err = strconv.ParseFloat(lo, 64); err != nil {
			return r, fmt.Errorf("threshold %q: %q is not a number", s, lo)
		}
	}
	if hi != "" {
		if r.Hi, err = strconv.ParseFloat(hi, 64); err != nil {
			return r, fmt.Errorf("threshold %q: %q is not a number", s, hi)
		}
	}
	if r.Lo > r.Hi {
		return r, fmt.Errorf("threshold %q: start above end", s)
	}
	r.set = true
	return r, nil
}

// Alerts says whether v is in the alerting part of the range.
func (r Range) Alerts(v float64) bool {
	if !r.set {
		return false
	}
	in := v >= r.Lo && v <= r.Hi
	return in == r.Inside
}

// Thresholds are a check's -w and -c.
type Thresholds struct{ Warn, Crit Range }

// Status returns CRITICAL if v alerts by the critical range, WARNING by
// the warning range, OK otherwise.
func (t Thresholds) Status(v float64) Status {
	switch {
	case t.Crit.Alerts(v):
		return Critical
	case t.Warn.Alerts(v):
		return Warning
	}
	return OK
}

// Perf is one performance data item: 'label'=value[UOM];warn;crit;min;max.
type Perf struct {
	Label    string
	Value    float64
	UOM      string // "", "s", "%", "B", "c"
	T        Thresholds
	Min, Max string // "" = not given
}

func (p Perf) String() string {
	label := p.Label
	if strings.ContainsAny(label, " '=") {
		label = "'" + strings.ReplaceAll(label, "'", "''") + "'"
	}
	v := strconv.FormatFloat(p.Value, 'f', -1, 64)
	return strings.TrimRight(fmt.Sprintf("%s=%s%s;%s;%s;%s;%s", label, v, p.UOM, p.T.Warn.Text, p.T.Crit.Text, p.Min, p.Max), ";")
}

// Result is a check's outcome.
type Result struct {
	Service string // "MAILMETER LAG"
	Status  Status
	Text    string
	Perf    []Perf
}

// Line is the status line: "MAILMETER LAG OK - text | perf perf".
func (r Result) Line() string {
	line := fmt.Sprintf("%s %s - %s", r.Service, r.Status, strings.ReplaceAll(r.Text, "|", "/"))
	if len(r.Perf) > 0 {
		ps := make([]string, len(r.Perf))
		for i, p := range r.Perf {
			ps[i] = p.String()
		}
		line += " | " + strings.Join(ps, " ")
	}
	return line
}
