package collect_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/metering/tail"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// gate is a tail.Waiter that sleeps until it is opened: a collector that
// missed its wake-up. waiting says a Wait is in progress.
type gate struct {
	wake    chan struct{}
	waiting atomic.Int32
}

func (g *gate) Wait(ctx context.Context) error {
	g.waiting.Add(1)
	defer g.waiting.Add(-1)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-g.wake:
		return nil
	}
}

// A collector asleep while 27,000 lines are written shows them as lag at
// once, in bytes and in log time (they are an hour newer than what it
// read), not the lag of its last read; caught up, it shows none.
func TestLagShowsWhileTheCollectorIsBehind(t *testing.T) {
	s := storetest.SQLite(t)
	path := filepath.Join(t.TempDir(), "mail.log")
	appendLines(t, path, []byte(delivered("C0DE01", "bob@acme.example", "100", 1)))
	wake := &gate{wake: make(chan struct{})}
	src := collect.LogSource{Name: "mx1:" + path, Path: path, Format: collect.FormatPostfix,
		Proc: collect.ProcessorOptions{Location: time.UTC, Delimiter: "+", YearRef: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		Tail: tail.Options{Waiter: wake}, FlushInterval: 20 * time.Millisecond, BatchLines: 1000}
	r := collect.NewRunner(src, s, nil, quiet, time.Now)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	waitOffset(t, s, src.Name, fileSize(t, path), done)
	// Committed to the end: its next wait is the one that never ends.
	waitStats(t, r, func(st collect.SourceStats) bool {
		return wake.waiting.Load() == 1 && st.Tail.Lag == 0 && st.LagSeconds == 0
	}, "caught up and asleep")

	var b strings.Builder
	for i := range 27000 / 4 {
		b.WriteString(strings.ReplaceAll(delivered(fmt.Sprintf("D%05X", i), "bob@acme.example", "100", 1), "10:01:00", "11:01:00"))
	}
	before := fileSize(t, path)
	appendLines(t, path, []byte(b.String()))
	st := r.Stats()
	if want := fileSize(t, path) - before; st.Tail.Lag != want {
		t.Errorf("lag %d bytes while the collector sleeps on %d unread, want %d", st.Tail.Lag, want, want)
	}
	if math.Abs(st.LagSeconds-3600) > 0.5 {
		t.Errorf("lag %.1f s, want 3600 (the unread lines are an hour newer)", st.LagSeconds)
	}

	close(wake.wake) // it wakes, and reads on without waiting
	waitStats(t, r, func(st collect.SourceStats) bool { return st.Tail.Lag == 0 && st.LagSeconds == 0 }, "caught up again")
}

// waitStats waits until the runner's stats satisfy ok.
func waitStats(t *testing.T, r *collect.Runner, ok func(collect.SourceStats) bool, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok(r.Stats()) {
		if time.Now().After(deadline) {
			t.Fatalf("not %s: %+v", what, r.Stats())
		}
		<-time.After(10 * time.Millisecond)
	}
}
