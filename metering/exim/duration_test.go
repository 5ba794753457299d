package exim_test

import (
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering/exim"
)

func TestDurations(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"0s", 0},
		{"1s", time.Second},
		{"45s", 45 * time.Second},
		{"3m45s", 3*time.Minute + 45*time.Second},
		{"1.578s", 1578 * time.Millisecond},
		{"0.349s", 349 * time.Millisecond},
		{"2h3m", 2*time.Hour + 3*time.Minute},
		{"1d2h", 26 * time.Hour},
		{"1w2d3h4m5s", 9*24*time.Hour + 3*time.Hour + 4*time.Minute + 5*time.Second},
		{"qqs", exim.NoDuration},
		{"q.qqqs", exim.NoDuration},
		{"1.5m", exim.NoDuration},
		{"5", exim.NoDuration},
		{"s", exim.NoDuration},
		{"99999999999w", exim.NoDuration},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := exim.ParseLine([]byte("2026-11-02 09:00:00 1tQ1aa-000A01-Q1 Completed QT=" + tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if r.QueueTime != tt.want {
				t.Errorf("QT=%s: %v, want %v", tt.in, r.QueueTime, tt.want)
			}
		})
	}
}
