package collect_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// A file that starts as one already backfilled (its first 4 KiB alike) but
// goes on differently, a copy of the log with another domain, is metered:
// a file is known by its whole content, not its beginning.
func TestBackfillKnowsFilesByMoreThanTheirStart(t *testing.T) {
	dir := t.TempDir()
	a, _ := generate(t, dir, collect.FormatPostfix, smallConfig(5))
	b := copyWithOtherDomain(t, a, filepath.Join(dir, "copy.log"), 4096)
	opts := collect.BackfillOptions{Host: "mx1", Proc: collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"}}
	ref := storetest.SQLite(t) // the copy's totals on their own
	mustBackfill(t, ref, b, opts)
	only := totals(t, ref)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		mustBackfill(t, s, a, opts)
		first := totals(t, s)
		res := mustBackfill(t, s, b, opts)
		if res.Already || res.Lines == 0 {
			t.Fatalf("the copy with another domain was not metered: %+v", res)
		}
		if diff := cmp.Diff(sum(first, only), totals(t, s)); diff != "" {
			t.Errorf("totals after both files (-want +got):\n%s", diff)
		}
		if res := mustBackfill(t, s, b, opts); !res.Already {
			t.Errorf("the copy again: %+v, want already backfilled", res)
		}
	})
}

// copyWithOtherDomain writes to dst the file at src with every domain
// replaced by another one after its first keep bytes.
func copyWithOtherDomain(t *testing.T, src, dst string, keep int) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	rest := strings.ReplaceAll(string(b[keep:]), ".example", ".example.org")
	if rest == string(b[keep:]) {
		t.Fatal("the log names no .example domain after its first bytes")
	}
	if err := os.WriteFile(dst, append(b[:keep:keep], rest...), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// mustBackfill backfills one file in a run of its own and returns its
// result, failing the test if it was not metered.
func mustBackfill(t *testing.T, s metering.Committer, path string, opts collect.BackfillOptions) collect.BackfillResult {
	t.Helper()
	res, err := collect.Backfill(context.Background(), []string{path}, opts, s, nil, quiet)
	if err != nil || len(res) != 1 || failed(res[0]) {
		t.Fatalf("backfill %s: %+v, %v", path, res, err)
	}
	return res[0]
}

// sum adds usage maps.
func sum(us ...map[string]map[metering.Metric]int64) map[string]map[metering.Metric]int64 {
	out := map[string]map[metering.Metric]int64{}
	for _, u := range us {
		for mb, vals := range u {
			if out[mb] == nil {
				out[mb] = map[metering.Metric]int64{}
			}
			for m, v := range vals {
				out[mb][m] += v
			}
		}
	}
	return out
}

// A file older than its stream's position is not metered (its lines may
// have been counted through the stream already, and its open messages
// would be out of place); forced, it is metered on its own. Reported
// loudly either way, never skipped in silence.
func TestBackfillRefusesAFileOlderThanItsStream(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		cfg := smallConfig(9)
		cfg.Messages = 200
		path, truth := generate(t, t.TempDir(), collect.FormatPostfix, cfg)
		lines := splitLines(t, path)
		half := len(lines) / 2
		dir := t.TempDir()
		older, newer := filepath.Join(dir, "mail.log.1"), filepath.Join(dir, "mail.log")
		for name, part := range map[string][]string{older: lines[:half], newer: lines[half:]} {
			if err := os.WriteFile(name, []byte(strings.Join(part, "")), 0o644); err != nil {
				t.Fatal(err)
			}
			os.Chtimes(name, cutMTime, cutMTime)
		}
		opts := collect.BackfillOptions{Host: "mx1", Proc: collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"}}
		mustBackfill(t, s, newer, opts)
		res, err := collect.Backfill(context.Background(), []string{older}, opts, s, nil, quiet)
		if err != nil || len(res) != 1 || !errors.Is(res[0].Err, collect.ErrOlder) {
			t.Fatalf("older file: %+v, %v; want refused as older than the stream", res, err)
		}
		opts.Force = true
		if res := mustBackfill(t, s, older, opts); !res.Alone {
			t.Errorf("forced older file: %+v, want metered on its own", res)
		}
		// Metered on its own, the two halves lose what straddles the cut,
		// never more: each total is at most the whole log's.
		got := totals(t, s)
		for mb, vals := range got {
			for m, v := range vals {
				if v > truth.Usage[mb][m] {
					t.Errorf("%s %s = %d, more than the whole log's %d", mb, m, v, truth.Usage[mb][m])
				}
			}
		}
		if len(got) == 0 {
			t.Error("nothing metered")
		}
	})
}
