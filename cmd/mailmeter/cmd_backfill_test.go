package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"github.com/mailmeter/mailmeter/internal/loggen"
	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// backfillDBs are the databases the backfill CLI tests run on.
func backfillDBs(t *testing.T, f func(t *testing.T, db string)) {
	t.Run("sqlite", func(t *testing.T) { f(t, "sqlite:"+filepath.Join(t.TempDir(), "m.db")) })
	t.Run("postgres", func(t *testing.T) { f(t, storetest.PostgresURL(t)) })
}

// A log rotated into gzip, bzip2, xz and zstd files, with a damaged file
// among them, backfilled in one run: each file is reported (lines read,
// metered, not understood, time span), the damaged one is named and the
// rest are metered to the log's totals, and the exit status says one
// failed.
func TestBackfillCLIReadsCompressedFilesAndReportsEach(t *testing.T) {
	backfillDBs(t, func(t *testing.T, db string) {
		dir := t.TempDir()
		lines, truth, cfg := generatedLines(t)
		parts := [][]string{lines[:len(lines)/5], lines[len(lines)/5 : 2*len(lines)/5], lines[2*len(lines)/5 : 3*len(lines)/5],
			lines[3*len(lines)/5 : 4*len(lines)/5], lines[4*len(lines)/5:]}
		names := []string{"mail.log.4.gz", "mail.log.3.bz2", "mail.log.2.xz", "mail.log.1.zst", "mail.log"}
		var args []string
		for i := len(parts) - 1; i >= 0; i-- { // newest first: the order is backfill's to find
			args = append(args, writeRotated(t, filepath.Join(dir, names[i]), strings.Join(parts[i], "")))
		}
		bad := filepath.Join(dir, "mail.log.5.gz")
		writeFile(t, bad, string(append(gzipped([]byte("Oct  5 07:00:00 mx postfix/smtpd[1]: connect\n"))[:20], "not gzip at all"...)))
		args = append(args, bad)

		r := runCLI(t, nil, append([]string{"backfill", "--timezone", "UTC", "--host", "mx1", "--db", db}, args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, "mail.log.5.gz: not metered") || !strings.Contains(r.stderr, "1 of 6 files not metered") {
			t.Fatalf("backfill with a damaged file: exit %d, stderr %q; want 1, naming it", r.code, r.stderr)
		}
		for i, name := range names {
			want := fmt.Sprintf("%s: %d lines read, %[2]d metered; 2026-10-", name, len(parts[i]))
			if !strings.Contains(r.stdout, want) {
				t.Errorf("report lacks %q:\n%s", want, r.stdout)
			}
		}
		importLoggenDirectory(t, cfg, db) // usage lists the directory's mailboxes
		hosted, _ := splitTruth(cfg, truth)
		if diff := cmp.Diff(hosted, usageTotals(t, db)); diff != "" {
			t.Errorf("usage after the backfill (-truth +got):\n%s", diff)
		}
	})
}

// A file that is not a log of the format it is read as, is reported as
// such, meters nothing and fails the command, unless forced.
func TestBackfillCLIRefusesTheWrongFormat(t *testing.T) {
	backfillDBs(t, func(t *testing.T, db string) {
		dir := t.TempDir()
		lines, _, _ := generatedLines(t)
		logPath := writeRotated(t, filepath.Join(dir, "mail.log"), strings.Join(lines, ""))
		r := runCLI(t, nil, "backfill", "--timezone", "UTC", "--host", "mx1", "--format", "exim", "--db", db, logPath)
		if r.code != 1 || !strings.Contains(r.stderr, "format is probably wrong") || !strings.Contains(r.stdout, fmt.Sprintf("%d lines read, ", len(lines))) || !strings.Contains(r.stdout, " not understood (unrecognized text ") {
			t.Errorf("a Postfix log read as Exim: %+v", r)
		}
		notes := filepath.Join(dir, "FORMATS.md")
		writeFile(t, notes, "# Formats\n\nA Postfix line looks like this:\n\n"+lines[0]+"\nand so on.\n\n| a | b |\n|---|---|\n")
		r = runCLI(t, nil, "backfill", "--timezone", "UTC", "--host", "mx1", "--db", db, notes)
		if r.code != 1 || !strings.Contains(r.stderr, "FORMATS.md: not metered: most lines were not understood") || !strings.Contains(r.stderr, "--force") {
			t.Errorf("a markdown file: %+v", r)
		}
		if got := usageTotals(t, db); len(got) != 0 {
			t.Errorf("refused files metered %v", got)
		}
		r = runCLI(t, nil, "backfill", "--timezone", "UTC", "--host", "mx1", "--force", "--db", db, notes)
		if r.code != 0 || !strings.Contains(r.stdout, "the format is probably wrong") {
			t.Errorf("a markdown file, forced: %+v", r)
		}
	})
}

// generatedLines returns a generated Postfix log of October 2026, by line,
// and its ground truth.
func generatedLines(t *testing.T) ([]string, loggen.Truth, loggen.Config) {
	t.Helper()
	var b bytes.Buffer
	cfg := loggen.DefaultConfig()
	cfg.Messages, cfg.Mailboxes = 600, 25
	cfg.Start = time.Date(2026, 10, 5, 8, 0, 0, 0, time.UTC)
	truth, err := loggen.Postfix(&b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return strings.SplitAfter(strings.TrimSuffix(b.String(), "\n"), "\n"), truth, cfg
}

// writeRotated writes text to path, compressed as its name says, modified
// in October 2026 (the year of the log's stamps).
func writeRotated(t *testing.T, path, text string) string {
	t.Helper()
	b := []byte(text)
	switch filepath.Ext(path) {
	case ".gz":
		b = gzipped(b)
	case ".bz2":
		bz, err := exec.LookPath("bzip2")
		if err != nil {
			testenv.Skip(t, "the bzip2 command to make a .bz2 file", "apt-get install bzip2")
		}
		cmd := exec.Command(bz, "-c")
		cmd.Stdin = bytes.NewReader(b)
		if b, err = cmd.Output(); err != nil {
			t.Fatal(err)
		}
	case ".xz":
		var buf bytes.Buffer
		w, err := xz.NewWriter(&buf)
		if err == nil {
			_, err = w.Write(b)
		}
		if err == nil {
			err = w.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		b = buf.Bytes()
	case ".zst":
		w, err := zstd.NewWriter(nil)
		if err != nil {
			t.Fatal(err)
		}
		b = w.EncodeAll(b, nil)
	}
	writeFile(t, path, string(b))
	mtime := time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	return path
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// usageTotals reads usage --json of October 2026 into totals per mailbox,
// without zero values.
func usageTotals(t *testing.T, db string) map[string]map[metering.Metric]int64 {
	t.Helper()
	r := runCLI(t, nil, "usage", "--period", "2026-10", "--json", "--db", db)
	var doc struct {
		Period struct{ From, To string }
		Rows   []map[string]any
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("usage --json: %v %+v", err, r)
	}
	if doc.Period.From != "2026-10-01T00:00:00Z" || doc.Period.To != "2026-11-01T00:00:00Z" {
		t.Errorf("usage --json period %+v, want October 2026", doc.Period)
	}
	out := map[string]map[metering.Metric]int64{}
	for _, row := range doc.Rows {
		vals := map[metering.Metric]int64{}
		for _, m := range metering.CounterMetrics {
			if v, _ := row[string(m)].(float64); v != 0 {
				vals[m] = int64(v)
			}
		}
		if len(vals) > 0 {
			out[row["mailbox"].(string)] = vals
		}
	}
	return out
}

// An archive of several hosts' rotated logs (a directory per host) is
// backfilled in one run with --host-from-dir: each host is a stream of
// its own, so the same log under two hosts counts twice, once per host;
// --host with it, or a negative --workers, is a usage error.
func TestBackfillCLIHostFromDir(t *testing.T) {
	backfillDBs(t, func(t *testing.T, db string) {
		dir := t.TempDir()
		lines, truth, cfg := generatedLines(t)
		var args []string
		for _, host := range []string{"mx1", "mx2"} {
			for i, name := range []string{"mail.log.1", "mail.log"} {
				part := lines[:len(lines)/2]
				if i == 1 {
					part = lines[len(lines)/2:]
				}
				if err := os.MkdirAll(filepath.Join(dir, host), 0o755); err != nil {
					t.Fatal(err)
				}
				args = append(args, writeRotated(t, filepath.Join(dir, host, name), strings.Join(part, "")))
			}
		}
		for _, bad := range [][]string{{"--host", "mx", "--host-from-dir"}, {"--workers", "-1"}} {
			r := runCLI(t, nil, append(append([]string{"backfill", "--timezone", "UTC", "--db", db}, bad...), args...)...)
			if r.code != 2 {
				t.Errorf("backfill %v: %+v, want a usage error", bad, r)
			}
		}
		r := runCLI(t, nil, append([]string{"backfill", "--timezone", "UTC", "--host-from-dir", "--workers", "2", "--db", db}, args...)...)
		if r.code != 0 {
			t.Fatalf("backfill --host-from-dir: %+v", r)
		}
		importLoggenDirectory(t, cfg, db)
		hosted, _ := splitTruth(cfg, truth)
		twice := map[string]map[metering.Metric]int64{}
		for mb, vals := range hosted {
			twice[mb] = map[metering.Metric]int64{}
			for m, v := range vals {
				twice[mb][m] = 2 * v
			}
		}
		if diff := cmp.Diff(twice, usageTotals(t, db)); diff != "" {
			t.Errorf("usage after backfilling two hosts' copies (-want +got):\n%s", diff)
		}
	})
}
