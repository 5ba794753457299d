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
