package collect_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// cutMTime is the modification time of the cut files: it anchors the year
// of Postfix stamps, the same for every part.
var cutMTime = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// A log cut in two at any line of a message's lifetime, the parts
// backfilled in separate runs (the nightly backfill of mail.log.1), gives
// the totals of the whole log: the message's sender and size survive the
// cut. Each cut is metered under its own host, so after n cuts the store
// holds n times the log's totals.
func TestBackfillCutAtEveryLine(t *testing.T) {
	for _, format := range []string{collect.FormatPostfix, collect.FormatExim} {
		t.Run(format, func(t *testing.T) {
			cfg := smallConfig(17)
			cfg.Messages, cfg.Mailboxes = 300, 20
			path, truth := generate(t, t.TempDir(), format, cfg)
			lines := splitLines(t, path)
			lo, hi := lifetime(t, lines, format)
			t.Logf("cutting %d lines at every line of the message on lines %d–%d", len(lines), lo, hi)
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				for k := lo; k <= hi+1; k++ {
					backfillParts(t, s, fmt.Sprintf("cut%d", k), [][]string{lines[:k], lines[k:]})
					if diff := cmp.Diff(scaled(truth.Usage, k-lo+1), totals(t, s)); diff != "" {
						t.Fatalf("cut before line %d: totals differ from %d× the log's (-want +got):\n%s", k, k-lo+1, diff)
					}
				}
			})
		})
	}
}

// The same with a real-world log, cut at every line; what the whole log
// backfilled at once gives is the reference.
func TestBackfillCutFixtureAtEveryLine(t *testing.T) {
	dir := testenv.Fixtures(t)
	lines := splitLines(t, filepath.Join(dir, "postfix", "linode-docs-postfix-dovecot-mysql.log"))
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		backfillParts(t, s, "whole", [][]string{lines})
		whole := totals(t, s)
		if len(whole) == 0 {
			t.Fatal("the whole log meters nothing: the test proves nothing")
		}
		for k := 0; k <= len(lines); k++ {
			backfillParts(t, s, fmt.Sprintf("cut%d", k), [][]string{lines[:k], lines[k:]})
			if diff := cmp.Diff(scaled(whole, k+2), totals(t, s)); diff != "" {
				t.Fatalf("cut before line %d: totals differ from the whole log's (-want +got):\n%s", k, diff)
			}
		}
	})
}

// backfillParts writes the parts as the rotated files of host's mail.log,
// oldest first (mail.log.N … mail.log.1, mail.log), and backfills each in
// a run of its own.
func backfillParts(t *testing.T, s *store.Store, host string, parts [][]string) {
	t.Helper()
	dir := t.TempDir()
	for i, part := range parts {
		name := filepath.Join(dir, "mail.log")
		if n := len(parts) - 1 - i; n > 0 {
			name += fmt.Sprintf(".%d", n)
		}
		text := strings.Join(part, "")
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		mtime := cutMTime.Add(time.Duration(i-len(parts)) * time.Hour)
		if err := os.Chtimes(name, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		opts := collect.BackfillOptions{Host: host, Proc: collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"}}
		res, err := collect.Backfill(context.Background(), []string{name}, opts, s, nil, quiet)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if failed(r) {
				t.Fatalf("backfill of part %d: %+v", i, r)
			}
		}
	}
}

// splitLines reads a file's lines, each with its newline.
func splitLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// lifetime returns the first and last line of the first message with an
// authenticated sender whose lines span at most 60 lines.
func lifetime(t *testing.T, lines []string, format string) (int, int) {
	t.Helper()
	first, last := map[string]int{}, map[string]int{}
	var authed []string
	for i, l := range lines {
		id := messageID(l, format)
		if id == "" {
			continue
		}
		if _, ok := first[id]; !ok {
			first[id] = i
		}
		last[id] = i
		if strings.Contains(l, "sasl_username=") || (format == collect.FormatExim && strings.Contains(l, " <= ") && strings.Contains(l, " A=")) {
			authed = append(authed, id)
		}
	}
	for _, id := range authed {
		if span := last[id] - first[id]; span >= 4 && span <= 60 {
			return first[id], last[id]
		}
	}
	t.Fatal("no authenticated message with a short lifetime in the log")
	return 0, 0
}

// messageID returns the queue id (Postfix) or message id (Exim) a line is
// about, or "".
func messageID(line, format string) string {
	if format == collect.FormatExim {
		f := strings.Fields(line)
		if len(f) > 3 && strings.HasPrefix(f[2], "[") {
			f = f[1:] // a process id logged
		}
		if len(f) > 2 && (len(f[2]) == 16 || len(f[2]) == 23) && strings.Count(f[2], "-") == 2 {
			return f[2]
		}
		return ""
	}
	_, rest, ok := strings.Cut(line, "]: ")
	id, _, ok2 := strings.Cut(rest, ": ")
	if !ok || !ok2 || len(id) < 8 || len(id) > 20 || strings.ContainsAny(id, " =[") {
		return ""
	}
	return id
}

// scaled returns n times the usage.
func scaled(u map[string]map[metering.Metric]int64, n int) map[string]map[metering.Metric]int64 {
	out := map[string]map[metering.Metric]int64{}
	for mb, vals := range u {
		out[mb] = map[metering.Metric]int64{}
		for m, v := range vals {
			out[mb][m] = v * int64(n)
		}
	}
	return out
}

// failed reports whether a backfill result says the file was not metered.
func failed(r collect.BackfillResult) bool {
	return r.Err != nil
}
