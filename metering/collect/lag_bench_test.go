package collect_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/metering/tail"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// BenchmarkLagWhileBehind reproduces issue #16's lag figure: a collector
// asleep (its wake-up missed) while 27,000 lines an hour newer than what
// it read are written. It reports the lag a scrape sees, in bytes (as a
// share of the bytes unread: 1 is exact) and seconds, and what one Stats
// call costs.
func BenchmarkLagWhileBehind(b *testing.B) {
	s := storetest.SQLite(b)
	path := filepath.Join(b.TempDir(), "mail.log")
	if err := os.WriteFile(path, []byte(delivered("C0DE01", "bob@acme.example", "100", 1)), 0o644); err != nil {
		b.Fatal(err)
	}
	wake := &gate{wake: make(chan struct{})}
	src := collect.LogSource{Name: "mx1:" + path, Path: path, Format: collect.FormatPostfix,
		Proc: collect.ProcessorOptions{Location: time.UTC, YearRef: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		Tail: tail.Options{Waiter: wake}, FlushInterval: 20 * time.Millisecond, BatchLines: 1000}
	r := collect.NewRunner(src, s, nil, quiet, time.Now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() { cancel(); close(wake.wake); <-done }()
	waitOffset(b, s, src.Name, fileSize(b, path), done)
	for deadline := time.Now().Add(20 * time.Second); wake.waiting.Load() != 1 || r.Stats().Tail.Lag != 0; {
		if time.Now().After(deadline) {
			b.Fatal("the collector did not catch up and sleep")
		}
		<-time.After(5 * time.Millisecond)
	}
	var text strings.Builder
	for i := range 27000 / 4 {
		text.WriteString(strings.ReplaceAll(delivered(fmt.Sprintf("D%05X", i), "bob@acme.example", "100", 1), "10:01:00", "11:01:00"))
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	f.WriteString(text.String())
	f.Close()
	var st collect.SourceStats
	for b.Loop() {
		st = r.Stats()
	}
	unread := float64(text.Len())
	b.ReportMetric(float64(st.Tail.Lag), "lag_bytes")
	b.ReportMetric(float64(st.Tail.Lag)/unread, "lag/unread")
	b.ReportMetric(st.LagSeconds, "lag_s")
	b.Logf("27,000 lines (%d bytes, an hour newer) unread by a sleeping collector: mailmeter_log_lag_bytes %d, mailmeter_log_lag_seconds %.0f",
		text.Len(), st.Tail.Lag, st.LagSeconds)
}
