package nagios_test

import (
	"testing"

	"github.com/mailmeter/mailmeter/internal/nagios"
)

// The plugin guidelines' range table.
func TestRanges(t *testing.T) {
	for _, c := range []struct {
		r      string
		alerts []float64
		quiet  []float64
	}{
		{"10", []float64{-1, 10.5, 11}, []float64{0, 5, 10}},
		{"10:", []float64{-1, 9.9}, []float64{10, 1e9}},
		{"~:10", []float64{10.1, 1e9}, []float64{-1e9, 10}},
		{"10:20", []float64{9, 21}, []float64{10, 15, 20}},
		{"@10:20", []float64{10, 15, 20}, []float64{9, 21}},
		{"", nil, []float64{-1e9, 0, 1e9}},
	} {
		r, err := nagios.ParseRange(c.r)
		if err != nil {
			t.Fatalf("%q: %v", c.r, err)
		}
		for _, v := range c.alerts {
			if !r.Alerts(v) {
				t.Errorf("range %q: %v should alert", c.r, v)
			}
		}
		for _, v := range c.quiet {
			if r.Alerts(v) {
				t.Errorf("range %q: %v should not alert", c.r, v)
			}
		}
	}
	for _, bad := range []string{"x", "20:10", "1:y", "@"} {
		if _, err := nagios.ParseRange(bad); err == nil {
			t.Errorf("ParseRange(%q) accepted", bad)
		}
	}
}

func TestLine(t *testing.T) {
	w, _ := nagios.ParseRange("60")
	c, _ := nagios.ParseRange("300")
	th := nagios.Thresholds{Warn: w, Crit: c}
	r := nagios.Result{Service: "MAILMETER LAG", Status: th.Status(75), Text: "newest line 75 s old | really",
		Perf: []nagios.Perf{{Label: "lag", Value: 75, UOM: "s", T: th, Min: "0"}, {Label: "mx 1", Value: 3, UOM: "B"}}}
	if got, want := r.Line(), "MAILMETER LAG WARNING - newest line 75 s old / really | lag=75s;60;300;0 'mx 1'=3B"; got != want {
		t.Errorf("Line() = %q, want %q", got, want)
	}
	if th.Status(301) != nagios.Critical || th.Status(1) != nagios.OK {
		t.Error("thresholds")
	}
	if nagios.Worse(nagios.Warning, nagios.Unknown) != nagios.Unknown || nagios.Worse(nagios.Critical, nagios.Unknown) != nagios.Critical {
		t.Error("Worse")
	}
}
