package collect_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/loggen"
	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// benchLines is the size of the generated benchmark logs:
// MAILMETER_BENCH_LINES, default 1 million (about 160 MB of Postfix log,
// the size of the log issue #16 was measured on).
func benchLines() int64 {
	if n, err := strconv.ParseInt(os.Getenv("MAILMETER_BENCH_LINES"), 10, 64); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

var benchFiles sync.Map // format → path, generated once per process

func benchLog(b *testing.B, format string) string {
	b.Helper()
	if p, ok := benchFiles.Load(format); ok {
		return p.(string)
	}
	dir := filepath.Join(os.TempDir(), "mailmeter-bench")
	os.MkdirAll(dir, 0o755)
	n := benchLines()
	path := filepath.Join(dir, fmt.Sprintf("%s-%d-15k.log", format, n))
	if _, err := os.Stat(path); err != nil {
		f, err := os.Create(path + ".tmp")
		if err != nil {
			b.Fatal(err)
		}
		cfg := loggen.DefaultConfig()
		cfg.Messages, cfg.Lines, cfg.Mailboxes, cfg.Domains = 0, n, 15000, 50
		cfg.Duration = 365 * 24 * time.Hour
		w := bufio.NewWriterSize(f, 1<<20)
		gen := loggen.Postfix
		if format == collect.FormatExim {
			gen = loggen.Exim
		}
		if _, err := gen(w, cfg); err != nil {
			b.Fatal(err)
		}
		w.Flush()
		f.Close()
		os.Rename(path+".tmp", path)
	}
	benchFiles.Store(format, path)
	return path
}

func fileSize(b testing.TB, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// catRate times `cat FILE > /dev/null` (warm cache) in MB/s.
func catRate(b *testing.B, path string) float64 {
	exec.Command("cat", path).Run() // warm the cache
	start := time.Now()
	cmd := exec.Command("cat", path)
	cmd.Stdout = io.Discard
	if err := cmd.Run(); err != nil {
		b.Fatal(err)
	}
	return float64(fileSize(b, path)) / 1e6 / time.Since(start).Seconds()
}

// discard is a Committer that accepts everything: aggregation without a
// database.
type discard struct{}

func (discard) Commit(context.Context, metering.Batch) error { return nil }
func (discard) Checkpoint(context.Context, string) (metering.Checkpoint, error) {
	return metering.Checkpoint{}, metering.Errorf(metering.NotFound, "none")
}

// BenchmarkPipeline measures parse + correlate + aggregate on one core over
// a generated log of MAILMETER_BENCH_LINES lines, next to cat in the same run.
func BenchmarkPipeline(b *testing.B) {
	for _, format := range []string{collect.FormatPostfix, collect.FormatExim} {
		b.Run(format, func(b *testing.B) {
			path := benchLog(b, format)
			size := fileSize(b, path)
			cat := catRate(b, path)
			prev := runtime.GOMAXPROCS(1)
			defer runtime.GOMAXPROCS(prev)
			b.SetBytes(size)
			b.ResetTimer()
			cpu0 := cpuTime()
			var lines int64
			for range b.N {
				proc, err := collect.NewProcessor(format, collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"})
				if err != nil {
					b.Fatal(err)
				}
				rec := metering.NewRecorder(discard{}, nil)
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				sc := bufio.NewScanner(f)
				sc.Buffer(make([]byte, 1<<20), 1<<20)
				lines = 0
				for sc.Scan() {
					proc.ProcessLine(sc.Bytes(), rec)
					lines++
				}
				f.Close()
				if rec.Pending() == 0 {
					b.Fatal("nothing recorded")
				}
			}
			b.StopTimer()
			cpuSecs := (cpuTime() - cpu0).Seconds() / float64(b.N)
			secs := b.Elapsed().Seconds() / float64(b.N)
			mbs := float64(size) / 1e6 / secs
			b.ReportMetric(float64(size)/1e6/cpuSecs, "MB/cpu-s")
			b.ReportMetric(float64(lines)/secs, "lines/s")
			b.ReportMetric(cat, "cat_MB/s")
			b.ReportMetric(mbs/cat, "ratio_to_cat")
			b.ReportMetric(float64(peakRSS())/1e6, "peak_RSS_MB")
			b.Logf("%s: %d lines, %.0f MB: %.0f MB/s wall (%.0f lines/s), %.0f MB per CPU-second, on one core; cat %.0f MB/s (ratio %.3f)",
				format, lines, float64(size)/1e6, mbs, float64(lines)/secs, float64(size)/1e6/cpuSecs, cat, mbs/cat)
		})
	}
}

// BenchmarkBackfillPostgres measures a whole backfill (read, parse,
// correlate, aggregate, commit) into PostgreSQL, with the options of
// `mailmeter backfill`, and reports its rate as a share of the parse-only
// rate (parse + correlate + aggregate, no database). Each of
// MAILMETER_BENCH_ROUNDS rounds (default 3) measures both, one after the
// other, in this run; the medians are reported, and every round is logged.
func BenchmarkBackfillPostgres(b *testing.B) {
	testenv.Postgres(b)
	path := benchLog(b, collect.FormatPostfix)
	size := fileSize(b, path)
	rounds := 3
	if n, err := strconv.Atoi(os.Getenv("MAILMETER_BENCH_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	exec.Command("cat", path).Run() // warm the cache
	var parses, backfills, shares []float64
	for range b.N {
		for r := range rounds {
			parse := parseOnlyRate(b, path)
			s := storetest.Postgres(b)
			start := time.Now()
			_, err := collect.Backfill(context.Background(), []string{path},
				collect.BackfillOptions{Host: "bench", Format: collect.FormatAuto,
					Proc: collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"}, StreamLines: collect.DefaultStreamLines},
				s, nil, quiet)
			if err != nil {
				b.Fatal(err)
			}
			mbs := float64(size) / 1e6 / time.Since(start).Seconds()
			parses, backfills, shares = append(parses, parse), append(backfills, mbs), append(shares, mbs/parse)
			b.Logf("round %d: backfill into PostgreSQL %.0f MB/s; parse only %.0f MB/s; share %.2f", r+1, mbs, parse, mbs/parse)
		}
	}
	b.ReportMetric(median(backfills), "backfill_MB/s")
	b.ReportMetric(median(parses), "parse_only_MB/s")
	b.ReportMetric(median(shares), "share_of_parse_rate")
	b.Logf("median of %d rounds: backfill %.0f MB/s, parse only %.0f MB/s, share %.2f (min %.2f, max %.2f)",
		len(shares), median(backfills), median(parses), median(shares), slices.Min(shares), slices.Max(shares))
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func parseOnlyRate(b *testing.B, path string) float64 {
	proc, _ := collect.NewProcessor(collect.FormatPostfix, collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"})
	rec := metering.NewRecorder(discard{}, nil)
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	start := time.Now()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		proc.ProcessLine(sc.Bytes(), rec)
	}
	return float64(fileSize(b, path)) / 1e6 / time.Since(start).Seconds()
}

// BenchmarkMemoryTenMillionLines streams MAILMETER_BENCH_MEMORY_LINES
// (default 10 million) generated Postfix lines through the processor and a
// recorder without a file, and reports the process's peak RSS: it must not
// grow with the log's length.
func BenchmarkMemoryTenMillionLines(b *testing.B) {
	n := int64(10_000_000)
	if v, err := strconv.ParseInt(os.Getenv("MAILMETER_BENCH_MEMORY_LINES"), 10, 64); err == nil && v > 0 {
		n = v
	}
	for range b.N {
		pr, pw := io.Pipe()
		cfg := loggen.DefaultConfig()
		cfg.Messages, cfg.Lines, cfg.Mailboxes, cfg.Domains = 0, n, 2000, 20
		cfg.Duration = 365 * 24 * time.Hour
		go func() {
			w := bufio.NewWriterSize(pw, 1<<20)
			_, err := loggen.Postfix(w, cfg)
			w.Flush()
			pw.CloseWithError(err)
		}()
		proc, _ := collect.NewProcessor(collect.FormatPostfix, collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"})
		s := storetest.SQLite(b)
		rec := metering.NewRecorder(s, nil)
		sc := bufio.NewScanner(pr)
		var lines int64
		for sc.Scan() {
			proc.ProcessLine(sc.Bytes(), rec)
			if lines++; lines%1_000_000 == 0 {
				proc.Expire(proc.Stats().NewestLog, rec)
				if err := rec.Flush(context.Background(), nil); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(lines), "lines")
		b.ReportMetric(float64(peakRSS())/1e6, "peak_RSS_MB")
		b.Logf("%d lines streamed; open messages %d; peak RSS %.0f MB", lines, proc.Stats().Open, float64(peakRSS())/1e6)
	}
}

// cpuTime returns the process's user+system CPU time: on a loaded machine
// MB per CPU-second is the stable figure, wall-clock MB/s is not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS reads VmHWM from /proc/self/status, in bytes.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}
