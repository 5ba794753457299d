package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// BenchmarkPivot folds a flush of 1000 mailbox hours, every counter set,
// into rows and back: the per-row cost of the counter columns.
func BenchmarkPivot(b *testing.B) {
	h := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	var cs []metering.CounterDelta
	for i := range 1000 {
		for _, m := range metering.CounterMetrics {
			cs = append(cs, metering.CounterDelta{Mailbox: fmt.Sprintf("u%d@acme.example", i), Metric: m, Hour: h, Value: 1})
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		rows, err := pivot(cs)
		if err != nil {
			b.Fatal(err)
		}
		out := make([]metering.CounterDelta, 0, len(cs))
		for i := range rows {
			out = rows[i].unpivot(out)
		}
	}
}
