package postfix_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering/loggen"
	"github.com/mailmeter/mailmeter/metering/postfix"
)

// BenchmarkProcessorLoggen measures the Processor on a log from metering/loggen
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
		p := postfix.NewProcessor(postfix.Options{YearRef: cfg.Start, Location: time.UTC})
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
