package collect_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

func TestBackfillMatchesGroundTruth(t *testing.T) {
	for _, format := range []string{collect.FormatPostfix, collect.FormatExim} {
		for _, stream := range []int{0, 1000} {
			t.Run(fmt.Sprintf("%s/stream=%d", format, stream), func(t *testing.T) {
				backfillTruth(t, format, stream)
			})
		}
	}
}

func backfillTruth(t *testing.T, format string, streamLines int) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		cfg := smallConfig(7)
		cfg.Rate = 0.05 // about 17 hours: streaming writes finished hours while reading
		path, truth := generate(t, t.TempDir(), format, cfg)
		opts := collect.BackfillOptions{Host: "mx1", Format: collect.FormatAuto, Proc: collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"}, StreamLines: streamLines}
		cs := &countingStream{Store: s}
		res, err := collect.Backfill(context.Background(), []string{path}, opts, cs, nil, quiet)
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 1 || res[0].Lines != truth.Lines {
			t.Fatalf("backfill read %+v, want %d lines", res, truth.Lines)
		}
		if min := truth.Lines / int64(max(streamLines, 1)) / 4; streamLines > 0 && cs.parts < int(min) {
			t.Errorf("streamed %d lines in %d parts, want at least %d", truth.Lines, cs.parts, min)
		}
		t.Logf("%d lines streamed in %d parts", truth.Lines, cs.parts)
		compareTruth(t, truth, totals(t, s))
		lat, err := s.Latency(context.Background(), metering.LatencyQuery{From: time.Unix(0, 0), To: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		for dir, n := range truth.LatencyCount {
			if lat[dir] == nil || lat[dir].Total != n {
				t.Errorf("latency samples %s = %v, want %d", dir, lat[dir], n)
			}
		}
		// Backfilling the same file again counts nothing.
		res, err = collect.Backfill(context.Background(), []string{path}, opts, s, nil, quiet)
		if err != nil || !res[0].Already {
			t.Fatalf("second backfill = %+v, %v; want already done", res, err)
		}
		compareTruth(t, truth, totals(t, s))
	})
}

// A backfill interrupted half way (usage parts already written into its
// transaction) commits nothing; running it again counts every line once.
func TestInterruptedStreamingBackfill(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		cfg := smallConfig(3)
		cfg.Rate = 0.05 // many hours: parts are written before the interruption
		path, truth := generate(t, t.TempDir(), collect.FormatPostfix, cfg)
		ctx, cancel := context.WithCancel(context.Background())
		opts := collect.BackfillOptions{Host: "mx1", Proc: collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"}, StreamLines: 500,
			Progress: func(_ string, done, total int64) {
				if done > total/2 {
					cancel()
				}
			}}
		cs := &countingStream{Store: s}
		if _, err := collect.Backfill(ctx, []string{path}, opts, cs, nil, quiet); err == nil {
			t.Fatal("interrupted backfill reported success")
		}
		if cs.parts == 0 {
			t.Fatal("no usage part was written before the interruption: the test proves nothing")
		}
		if got := totals(t, s); len(got) != 0 {
			t.Fatalf("interrupted backfill left usage behind: %d mailboxes", len(got))
		}
		opts.Progress = nil
		if _, err := collect.Backfill(context.Background(), []string{path}, opts, s, nil, quiet); err != nil {
			t.Fatal(err)
		}
		compareTruth(t, truth, totals(t, s))
	})
}

// countingStream counts the parts a streaming backfill writes, and keeps
// their counters.
type countingStream struct {
	*store.Store
	parts    int
	counters []metering.CounterDelta
}

func (c *countingStream) Begin(ctx context.Context) (metering.StreamTx, error) {
	tx, err := c.Store.Begin(ctx)
	return &countingTx{StreamTx: tx, c: c}, err
}

type countingTx struct {
	metering.StreamTx
	c *countingStream
}

func (t *countingTx) Add(ctx context.Context, part metering.Batch) error {
	t.c.parts++
	t.c.counters = append(t.c.counters, part.Counters...)
	return t.StreamTx.Add(ctx, part)
}

// A streaming backfill that refuses its file after writing usage parts
// (most lines not understood) rolls its transaction back at once: the
// parts' rows are not left locked for the next file or another writer.
func TestRefusedStreamingBackfillReleasesItsTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		cfg := smallConfig(5)
		cfg.Rate = 0.05 // many hours: parts are written as the file is read
		dir := t.TempDir()
		path, _ := generate(t, dir, collect.FormatPostfix, cfg)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// Two lines of noise after every line: most lines not understood.
		noisy := strings.ReplaceAll(string(b), "\n", "\nnot a log line\nnor this\n")
		if err := os.WriteFile(path, []byte(noisy), 0o644); err != nil {
			t.Fatal(err)
		}
		cs := &countingStream{Store: s}
		opts := collect.BackfillOptions{Host: "mx1", Format: collect.FormatPostfix, StreamLines: 10,
			Proc: collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"}}
		res, err := collect.Backfill(context.Background(), []string{path}, opts, cs, nil, quiet)
		if err != nil || len(res) != 1 || !errors.Is(res[0].Err, collect.ErrWrongFormat) {
			t.Fatalf("backfill = %+v, %v; want refused as the wrong format", res, err)
		}
		if cs.parts == 0 {
			t.Fatal("no usage part was written before the refusal: the test proves nothing")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		all, err := s.Totals(ctx, metering.UsageQuery{From: time.Unix(0, 0), To: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil || len(all) != 0 {
			t.Fatalf("after the refusal: totals %d mailboxes, %v; want none", len(all), err)
		}
		// Another writer (here: the same rows again) is not kept waiting.
		if err := s.Commit(ctx, metering.Batch{Counters: cs.counters}); err != nil {
			t.Fatalf("a write after the refused backfill: %v", err)
		}
	})
}

// Rotated files backfilled again, as the stream they belong to or under
// another stream name (read in one pass, their sum known only at their
// end), are recognised by their content and count nothing twice, streamed
// or not.
func TestBackfillAgainRecognisesEveryFile(t *testing.T) {
	for _, stream := range []int{0, 100} {
		t.Run(fmt.Sprintf("stream=%d", stream), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				cfg := smallConfig(11)
				cfg.Rate = 0.05
				dir := t.TempDir()
				path, truth := generate(t, dir, collect.FormatPostfix, cfg)
				lines := splitLines(t, path)
				half := len(lines) / 2
				older, newer := filepath.Join(dir, "mail.log.2"), filepath.Join(dir, "mail.log.1")
				for name, part := range map[string][]string{older: lines[:half], newer: lines[half:]} {
					if err := os.WriteFile(name, []byte(strings.Join(part, "")), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				opts := collect.BackfillOptions{Host: "mx1", StreamLines: stream, Proc: collect.ProcessorOptions{Location: time.UTC, Delimiter: "+", YearRef: cfg.Start}}
				run := func(opts collect.BackfillOptions, already bool) {
					t.Helper()
					res, err := collect.Backfill(context.Background(), []string{newer, older}, opts, s, nil, quiet)
					if err != nil {
						t.Fatal(err)
					}
					for _, r := range res {
						if r.Err != nil || r.Already != already || (already && r.Lines != 0) {
							t.Errorf("backfill (stream %q) of %s: %+v; want already %v", opts.Stream, r.Path, r, already)
						}
					}
					compareTruth(t, truth, totals(t, s))
				}
				run(opts, false)
				run(opts, true)
				opts.Stream = "other.log"
				run(opts, true)
			})
		})
	}
}
