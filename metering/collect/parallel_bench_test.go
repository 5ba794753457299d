package collect_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/loggen"
	"github.com/mailmeter/mailmeter/metering/collect"
)

// envInt reads a positive integer from the environment, def if unset.
func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

// archive writes, once per process, hosts × days rotated Postfix logs of
// lines each under a directory per host (mx0/mail.log.3 … mx0/mail.log.1,
// mail.log) and returns them.
func archive(b *testing.B, hosts, days, lines int) []string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "mailmeter-bench", fmt.Sprintf("archive-%dx%dx%d", hosts, days, lines))
	var files []string
	for h := range hosts {
		hostDir := filepath.Join(dir, fmt.Sprintf("mx%d", h))
		for d := range days {
			name := "mail.log"
			if k := days - 1 - d; k > 0 {
				name += "." + strconv.Itoa(k)
			}
			files = append(files, filepath.Join(hostDir, name))
		}
		if _, err := os.Stat(filepath.Join(hostDir, "complete")); err == nil {
			continue
		}
		if err := writeHost(hostDir, uint64(h+1), days, lines); err != nil {
			b.Fatal(err)
		}
	}
	return files
}

// writeHost writes one host's days of log, lines a day.
func writeHost(dir string, seed uint64, days, lines int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for d := range days {
		name := "mail.log"
		if k := days - 1 - d; k > 0 {
			name += "." + strconv.Itoa(k)
		}
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		cfg := loggen.DefaultConfig()
		cfg.Seed = seed*1000 + uint64(d)
		cfg.Start = cfg.Start.Add(time.Duration(d) * 24 * time.Hour)
		cfg.Messages, cfg.Lines, cfg.Mailboxes, cfg.Domains = 0, int64(lines), 15000, 50
		cfg.Duration = 24 * time.Hour
		w := bufio.NewWriterSize(f, 1<<20)
		_, err = loggen.Postfix(w, cfg)
		if err == nil {
			err = w.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "complete"), nil, 0o644)
}

// BenchmarkBackfillManyStreams backfills an archive of
// MAILMETER_BENCH_HOSTS hosts (default 10) × MAILMETER_BENCH_DAYS days
// (default 3; 30 is a month) of MAILMETER_BENCH_DAY_LINES lines each
// (default 20,000) in one run, once with one worker and once with one per
// core, into a fresh SQLite and, with MAILMETER_TEST_POSTGRES, PostgreSQL,
// and reports the speed-up and its share of the cores (1.0: scales with
// cores).
func BenchmarkBackfillManyStreams(b *testing.B) {
	hosts := envInt(b, "MAILMETER_BENCH_HOSTS", 10)
	days := envInt(b, "MAILMETER_BENCH_DAYS", 3)
	lines := envInt(b, "MAILMETER_BENCH_DAY_LINES", 20_000)
	files := archive(b, hosts, days, lines)
	var size int64
	for _, f := range files {
		size += fileSize(b, f)
	}
	mb := float64(size) / 1e6
	cores := runtime.GOMAXPROCS(0)
	b.Logf("%d hosts × %d days of %d lines: %d files, %.0f MB; %d cores", hosts, days, lines, len(files), mb, cores)
	run := func(db benchStore, workers int) time.Duration {
		s := db.open(b)
		start := time.Now()
		res, err := collect.Backfill(context.Background(), files, collect.BackfillOptions{
			HostFromDir: true, Workers: workers, StreamLines: db.streamLines,
			Proc: collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"}}, s, nil, quiet)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				b.Fatalf("%s: %v", r.Path, r.Err)
			}
		}
		return time.Since(start)
	}
	for range b.N {
		for _, db := range benchStores(b) {
			one := run(db, 1)
			all := run(db, cores)
			speedup := one.Seconds() / all.Seconds()
			b.ReportMetric(mb/all.Seconds(), db.name+"_MB/s")
			b.ReportMetric(speedup, db.name+"_speedup")
			b.ReportMetric(speedup/float64(cores), db.name+"_per_core")
			b.Logf("into %s: one worker %.2f s (%.0f MB/s), %d workers %.2f s (%.0f MB/s): %.2f× on %d cores (%.2f of linear)",
				db.name, one.Seconds(), mb/one.Seconds(), cores, all.Seconds(), mb/all.Seconds(), speedup, cores, speedup/float64(cores))
		}
	}
}
