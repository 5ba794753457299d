package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/metering/tail"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// procOptions are the processor settings of every metering path of the
// test: stamps in the machine's zone, "+" as recipient delimiter.
func procOptions() collect.ProcessorOptions {
	return collect.ProcessorOptions{Location: time.Local, Delimiter: "+"}
}

// testLogger logs warnings and errors into the test's output.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// liveCollector is the long-running metering path: a collect.Runner
// tailing the live maillog into a SQLite store.
type liveCollector struct {
	store  *store.Store
	runner *collect.Runner
	src    collect.LogSource
}

// startCollector starts a Runner on path; it stops when the test ends.
func startCollector(t *testing.T, path string) *liveCollector {
	t.Helper()
	lc := &liveCollector{store: storetest.SQLite(t), src: collect.LogSource{
		Name: "e2e:" + path, Path: path, Format: collect.FormatAuto, Proc: procOptions(),
		Tail: tail.Options{PollInterval: 100 * time.Millisecond}, FlushInterval: 200 * time.Millisecond,
	}}
	lc.runner = collect.NewRunner(lc.src, lc.store, nil, testLogger(t), time.Now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- lc.runner.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("collector: %v", err)
		}
	})
	return lc
}

// check waits until the collector's checkpoint accounts for the whole
// maillog, then checks its totals and latency samples.
func (lc *liveCollector) check(t *testing.T, want expectation) {
	ctx := testContext(t, 2*time.Minute)
	var cp metering.Checkpoint
	waitFor(t, 60*time.Second, "the collector's checkpoint to reach the end of the maillog", func() error {
		var err error
		if cp, err = lc.store.Checkpoint(ctx, lc.src.Name); err != nil {
			return err
		}
		if size := fileSize(t, lc.src.Path); cp.Offset != size {
			return fmt.Errorf("checkpoint seq %d at offset %d of %d bytes", cp.Seq, cp.Offset, size)
		}
		return nil
	})
	st := lc.runner.Stats()
	t.Logf("collector: checkpoint seq %d at offset %d (end of file), %d commits, format %s, processor %+v",
		cp.Seq, cp.Offset, st.Commits, st.Format, st.Proc)
	if len(st.Proc.Unknown) > 0 || st.Proc.Open != 0 || st.Proc.Evicted != 0 {
		t.Errorf("processor: %d unknown line kinds %v (samples %v), %d messages open, %d evicted; want every line of a real Postfix log understood and every message closed",
			len(st.Proc.Unknown), st.Proc.Unknown, st.Proc.Samples, st.Proc.Open, st.Proc.Evicted)
	}
	checkStore(t, ctx, lc.store, want)
}

// checkBackfill backfills the maillog into a new store and checks the
// totals; a second backfill of the same file must count nothing more.
func checkBackfill(t *testing.T, path string, want expectation) {
	ctx := testContext(t, 2*time.Minute)
	s := storetest.SQLite(t)
	opts := collect.BackfillOptions{Host: "e2e", Format: collect.FormatAuto, Proc: procOptions()}
	for round := 1; round <= 2; round++ {
		res, err := collect.Backfill(ctx, []string{path}, opts, s, nil, testLogger(t))
		if err != nil {
			t.Fatalf("backfill round %d: %v", round, err)
		}
		if len(res) != 1 {
			t.Fatalf("backfill round %d: %d results, want 1", round, len(res))
		}
		t.Logf("backfill round %d: %d lines, already=%v, source %s", round, res[0].Lines, res[0].Already, res[0].Source)
		checkStore(t, ctx, s, want)
	}
}

// checkStore compares a store's totals and inbound latency samples with
// the expectation.
func checkStore(t *testing.T, ctx context.Context, s *store.Store, want expectation) {
	t.Helper()
	rows, err := s.Totals(ctx, want.query)
	if err != nil {
		t.Fatal(err)
	}
	got := storedTotals(rows)
	if diff := cmp.Diff(want.usage, got); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
	hs, err := s.Latency(ctx, metering.LatencyQuery{From: want.query.From, To: want.query.To})
	if err != nil {
		t.Fatal(err)
	}
	var in, out int64
	if h := hs[metering.Inbound]; h != nil {
		in = h.Total
	}
	if h := hs[metering.Outbound]; h != nil {
		out = h.Total
	}
	t.Logf("latency samples: %d inbound (p50 %s, p99 %s), %d outbound", in, quantile(hs[metering.Inbound], 0.5), quantile(hs[metering.Inbound], 0.99), out)
	if in != want.deliveries || out != 0 {
		t.Errorf("latency samples: %d inbound, %d outbound; want %d (one per local delivery) and 0", in, out, want.deliveries)
	}
}

// quantile is a histogram's quantile, or 0 without a histogram.
func quantile(h *metering.Histogram, q float64) time.Duration {
	if h == nil {
		return 0
	}
	return h.Quantile(q)
}
