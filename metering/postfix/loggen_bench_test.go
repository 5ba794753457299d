package postfix_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/loggen"
	"github.com/mailmeter/mailmeter/metering/postfix"
)

// BenchmarkProcessorLoggen measures the Processor on a log from internal/loggen
// (default traffic mix, 30,000 messages).
func BenchmarkProcessorLoggen(b *testing.B) {
	cfg := loggen.DefaultConfig()
	cfg.Messages = 30000
	var buf bytes.Buffer
	if _, err := loggen.Postfix(&buf, cfg); err != nil {
		b.Fatal(err)
	}
	log := buf.Bytes()
	lines := bytes.Split(bytes.TrimRight(log, "\n"), []byte("\n"))
	b.SetBytes(int64(len(log)))
	b.ReportAllocs()
	var sink nullSink
	start, n := cpuTime(), 0
	for b.Loop() {
		p := newProcessor(b, postfix.Options{YearRef: cfg.Start, Location: time.UTC})
		for _, l := range lines {
			p.ProcessLine(l, &sink)
		}
		n++
		if b.N == 1 {
			b.Logf("%d lines %d bytes, unknown %v", len(lines), len(log), p.Stats().Unknown)
		}
	}
	b.ReportMetric(float64(len(log)*n)/1e6/(cpuTime()-start).Seconds(), "MB/cpu-s")
}

// TestStateRoundTripLoggen splits a generated log (submissions, filter
// hops, deferrals, bounces, rejects, spam, noise, a year rollover) at every
// line and checks that a marshal/restore at the split changes nothing.
func TestStateRoundTripLoggen(t *testing.T) {
	cfg := loggen.DefaultConfig()
	cfg.Messages, cfg.Rate = 80, 2
	cfg.AuthShare, cfg.DeferShare, cfg.BounceShare, cfg.FilterShare = 0.5, 0.2, 0.1, 0.7
	cfg.Start = time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC)
	var buf bytes.Buffer
	if _, err := loggen.Postfix(&buf, cfg); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimRight(buf.Bytes(), "\n"), []byte("\n"))
	opts := postfix.Options{YearRef: cfg.Start, Location: time.UTC}
	var want recorder
	run(newProcessor(t, opts), lines, &want)
	if len(want.events) == 0 {
		t.Fatal("no events from the generated log")
	}
	for k := 1; k < len(lines); k++ {
		a := newProcessor(t, opts)
		var got recorder
		run(a, lines[:k], &got)
		state, err := a.MarshalState()
		if err != nil {
			t.Fatalf("k=%d: %v", k, err)
		}
		b := newProcessor(t, postfix.Options{YearRef: time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC), Location: time.UTC})
		if err := b.UnmarshalState(state); err != nil {
			t.Fatalf("k=%d: %v", k, err)
		}
		run(b, lines[k:], &got)
		if len(got.events) != len(want.events) || len(got.latency) != len(want.latency) {
			t.Fatalf("split at %d: %d events %d samples, want %d and %d", k, len(got.events), len(got.latency), len(want.events), len(want.latency))
		}
		for i := range want.events {
			if got.events[i] != want.events[i] {
				t.Fatalf("split at %d: event %d = %+v, want %+v", k, i, got.events[i], want.events[i])
			}
		}
	}
	t.Logf("%d lines, %d events, %d latency samples, split at every line", len(lines), len(want.events), len(want.latency))
}
