package metering_test

import (
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// BenchmarkRecorderCount is the collector's hot path: one event of each
// counter metric in turn, into a handful of mailbox hours.
func BenchmarkRecorderCount(b *testing.B) {
	r := metering.NewRecorder(nil, nil)
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	mailboxes := []string{"alice@acme.example", "bob@acme.example", "carol@acme.example"}
	events := make([]metering.Event, 0, len(metering.CounterMetrics)*len(mailboxes))
	for _, mb := range mailboxes {
		for _, m := range metering.CounterMetrics {
			events = append(events, metering.Event{Time: t0, Mailbox: mb, Metric: m, Value: 1})
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r.Count(events[i%len(events)])
	}
}
