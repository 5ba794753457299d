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

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/metering/tail"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// The open messages pass between a backfill and a live collector of the
// same stream, both ways, with the log cut inside a message's lifetime:
// the totals are the whole log's.
func TestBackfillAndLiveCollectorHandOver(t *testing.T) {
	for _, format := range []string{collect.FormatPostfix, collect.FormatExim} {
		t.Run(format, func(t *testing.T) {
			cfg := smallConfig(23)
			cfg.Messages, cfg.Mailboxes = 300, 20
			path, truth := generate(t, t.TempDir(), format, cfg)
			lines := splitLines(t, path)
			lo, hi := lifetime(t, lines, format)
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				for i, k := range []int{lo + 1, (lo + hi) / 2, hi} {
					// Backfill of mail.log.1, then a collector on mail.log.
					backfillThenLive(t, s, fmt.Sprintf("bl%d", k), lines[:k], lines[k:])
					// A collector, then a backfill of the rest of its file
					// (rotated), then a collector again on the next file.
					liveThenBackfill(t, s, fmt.Sprintf("lb%d", k), lines[:k-1], lines[k-1:k+1], lines[k+1:])
					if diff := cmp.Diff(scaled(truth.Usage, 2*(i+1)), totals(t, s)); diff != "" {
						t.Fatalf("cut at line %d: totals differ from the log's (-want +got):\n%s", k, diff)
					}
				}
			})
		})
	}
}

func backfillThenLive(t *testing.T, s *store.Store, host string, first, second []string) {
	dir := t.TempDir()
	live := filepath.Join(dir, "mail.log")
	writeLines(t, live+".1", first, -time.Hour)
	opts := collect.BackfillOptions{Host: host, Proc: collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"}}
	mustBackfill(t, s, live+".1", opts)
	writeLines(t, live, second, 0)
	c := startStreamCollector(t, s, host, live)
	waitCommitted(t, s, host+":"+live, bytesOf(second), c)
	c.stop(t)
}

func liveThenBackfill(t *testing.T, s *store.Store, host string, first, second, third []string) {
	dir := t.TempDir()
	live := filepath.Join(dir, "mail.log")
	writeLines(t, live, first, 0)
	c := startStreamCollector(t, s, host, live)
	waitCommitted(t, s, host+":"+live, bytesOf(first), c)
	c.stop(t)
	appendLines(t, live, []byte(strings.Join(second, "")))
	if err := os.Rename(live, live+".1"); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(live+".1", cutMTime.Add(-time.Hour), cutMTime.Add(-time.Hour))
	opts := collect.BackfillOptions{Host: host, Proc: collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"}}
	if res := mustBackfill(t, s, live+".1", opts); res.Lines != int64(len(second)) {
		t.Fatalf("backfill of the collector's rotated file read %d lines, want the %d it had not", res.Lines, len(second))
	}
	writeLines(t, live, third, 0)
	c = startStreamCollector(t, s, host, live)
	waitCommitted(t, s, host+":"+live, bytesOf(first)+bytesOf(third), c)
	c.stop(t)
}

// startStreamCollector starts a collector of path as part of host's
// mail.log stream.
func startStreamCollector(t *testing.T, s *store.Store, host, path string) *collector {
	ctx, cancel := context.WithCancel(context.Background())
	k := &killer{inner: s, kill: cancel}
	src := collect.LogSource{Name: host + ":" + path, Path: path, Stream: collect.StreamName(host, path), Format: collect.FormatAuto,
		Proc:          collect.ProcessorOptions{Location: time.UTC, Delimiter: "+", YearRef: cutMTime},
		Tail:          tail.Options{PollInterval: 10 * time.Millisecond},
		FlushInterval: 20 * time.Millisecond, BatchLines: 700}
	r := collect.NewRunner(src, k, nil, quiet, time.Now)
	c := &collector{r: r, cancel: cancel, done: make(chan error, 1), k: k}
	go func() { c.done <- r.Run(ctx) }()
	return c
}

// writeLines writes lines to path, modified at cutMTime plus age.
func writeLines(t *testing.T, path string, lines []string, age time.Duration) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	mtime := cutMTime.Add(age)
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func bytesOf(lines []string) int64 {
	var n int64
	for _, l := range lines {
		n += int64(len(l))
	}
	return n
}

// A collector that joins a stream and has read nothing yet keeps the
// stream's newest line time: a file older than what was backfilled is
// still refused afterwards.
func TestCollectorKeepsTheStreamsNewestLine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		cfg := smallConfig(29)
		cfg.Messages = 200
		path, _ := generate(t, t.TempDir(), collect.FormatPostfix, cfg)
		lines := splitLines(t, path)
		dir := t.TempDir()
		live := filepath.Join(dir, "mail.log")
		writeLines(t, live+".1", lines[len(lines)/2:], -time.Hour)
		opts := collect.BackfillOptions{Host: "mx1", Proc: collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"}}
		mustBackfill(t, s, live+".1", opts)
		writeLines(t, live, nil, 0)
		c := startStreamCollector(t, s, "mx1", live)
		waitCommitted(t, s, "mx1:"+live, 0, c)
		c.stop(t)
		old := filepath.Join(t.TempDir(), "mail.log.2")
		writeLines(t, old, lines[:len(lines)/2], -2*time.Hour)
		res, err := collect.Backfill(context.Background(), []string{old}, opts, s, nil, quiet)
		if err != nil || len(res) != 1 || !errors.Is(res[0].Err, collect.ErrOlder) {
			t.Fatalf("backfill of an older file after the collector joined: %+v, %v; want refused", res, err)
		}
	})
}
