package exim_test

import (
	"bufio"
	"bytes"
	"os"
	"testing"

	"github.com/mailmeter/mailmeter/metering"
)

// recSink records everything a processor emits, in order.
type recSink struct {
	events  []metering.Event
	samples []metering.LatencySample
}

func (s *recSink) Count(e metering.Event)           { s.events = append(s.events, e) }
func (s *recSink) Latency(l metering.LatencySample) { s.samples = append(s.samples, l) }
func (s *recSink) Storage(metering.StorageSample)   {}
func (s *recSink) totals() map[string]map[metering.Metric]int64 {
	out := map[string]map[metering.Metric]int64{}
	for _, e := range s.events {
		if out[e.Mailbox] == nil {
			out[e.Mailbox] = map[metering.Metric]int64{}
		}
		out[e.Mailbox][e.Metric] += e.Value
	}
	return out
}

// readLines returns the lines of a file, without newlines.
func readLines(t testing.TB, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	return lines
}

// sameEvents reports whether a and b are equal event for event; cheaper
// than cmp.Diff, which callers use only to show a difference.
func sameEvents(a, b []metering.Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if !x.Time.Equal(y.Time) || x.Mailbox != y.Mailbox || x.Metric != y.Metric || x.Value != y.Value {
			return false
		}
	}
	return true
}

func sameSamples(a, b []metering.LatencySample) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if !x.Time.Equal(y.Time) || x.Direction != y.Direction || x.Domain != y.Domain || x.Delay != y.Delay {
			return false
		}
	}
	return true
}
