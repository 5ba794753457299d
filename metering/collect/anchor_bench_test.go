package collect_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// The figures issue #16 asks for: a whole backfill on one core next to the
// tool an operator would otherwise run over the same log (pflogsumm for
// Postfix, eximstats for Exim), measured one after the other in this run,
// with a bare Go line scanner and cat beside them. The ratio is the
// anchor's time over ours: 10 means ten times as fast.

// anchorRun is what one timed run took.
type anchorRun struct {
	wall, cpu time.Duration
}

// ratio is a's time over r's.
func (r anchorRun) ratio(a anchorRun) (wall, cpu float64) {
	return a.wall.Seconds() / r.wall.Seconds(), a.cpu.Seconds() / r.cpu.Seconds()
}

// runTool times an external command over the log, its output discarded.
// The CPU time is the child's.
func runTool(b *testing.B, name string, args ...string) anchorRun {
	b.Helper()
	cmd := exec.Command(name, args...)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s: %v: %.500s", name, err, out)
	}
	wall := time.Since(start)
	return anchorRun{wall: wall, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
}

// runSelf times f on one core (GOMAXPROCS 1). The CPU time is this
// process's: the SQLite driver runs in it; PostgreSQL's server does not.
func runSelf(f func()) anchorRun { return runOn(1, f) }

// runOn times f on cores cores (GOMAXPROCS).
func runOn(cores int, f func()) anchorRun {
	prev := runtime.GOMAXPROCS(cores)
	defer runtime.GOMAXPROCS(prev)
	runtime.GC()
	cpu0, start := cpuTime(), time.Now()
	f()
	return anchorRun{wall: time.Since(start), cpu: cpuTime() - cpu0}
}

// anchorPath finds an anchor tool: env names it, or it is on the PATH. The
// benchmark skips, saying how to get it, when it is neither.
func anchorPath(b *testing.B, tool, env, hint string) string {
	if p := os.Getenv(env); p != "" {
		return p
	}
	p, err := exec.LookPath(tool)
	if err != nil {
		testenv.Skip(b, tool+" as the benchmark's anchor", hint+", or set "+env)
	}
	return p
}

// backfillInto backfills path into a fresh store as `mailmeter backfill`
// does, and fails the benchmark unless every line was metered.
func backfillInto(b *testing.B, s metering.Committer, path string, streamLines int) {
	b.Helper()
	res, err := collect.Backfill(context.Background(), []string{path},
		collect.BackfillOptions{Host: "bench", Format: collect.FormatAuto, StreamLines: streamLines,
			Proc: collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"}}, s, nil, quiet)
	if err != nil {
		b.Fatal(err)
	}
	if len(res) != 1 || res[0].Err != nil || res[0].Metered == 0 {
		b.Fatalf("backfill: %+v", res)
	}
}

// scanRate is the rate of a bare Go line scanner over path, in MB/s.
func scanRate(b *testing.B, path string) float64 {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := runSelf(func() {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
		}
	})
	return float64(fileSize(b, path)) / 1e6 / r.wall.Seconds()
}

// BenchmarkBackfillVsAnchor backfills a generated log of
// MAILMETER_BENCH_LINES lines (15,000 mailboxes) end to end on one core
// into SQLite and, with MAILMETER_TEST_POSTGRES, PostgreSQL, and runs the
// anchor over the same file: pflogsumm for Postfix, eximstats for Exim
// (MAILMETER_EXIMSTATS names the script when it is not on the PATH). It
// reports each backfill's MB/s and its speed as a multiple of the
// anchor's, wall-clock and CPU.
func BenchmarkBackfillVsAnchor(b *testing.B) {
	anchors := []struct{ format, tool, env, hint string }{
		{collect.FormatPostfix, "pflogsumm", "MAILMETER_PFLOGSUMM", "apt-get install pflogsumm"},
		{collect.FormatExim, "eximstats", "MAILMETER_EXIMSTATS", "in exim4-base: apt-get download exim4-base, dpkg-deb -x it"},
	}
	for _, a := range anchors {
		b.Run(a.format, func(b *testing.B) {
			tool := anchorPath(b, a.tool, a.env, a.hint)
			path := benchLog(b, a.format)
			mb := float64(fileSize(b, path)) / 1e6
			exec.Command("cat", path).Run() // warm the cache
			cat, scan := catRate(b, path), scanRate(b, path)
			anchor := runTool(b, tool, path)
			b.Logf("%s: %.0f MB: %s %.2f s (%.2f s CPU), %.0f MB/s; bare Go line scanner %.0f MB/s; cat %.0f MB/s",
				a.format, mb, a.tool, anchor.wall.Seconds(), anchor.cpu.Seconds(), mb/anchor.wall.Seconds(), scan, cat)
			cores := runtime.GOMAXPROCS(0)
			for range b.N {
				for _, db := range benchStores(b) {
					s := db.open(b)
					r := runSelf(func() { backfillInto(b, s, path, db.streamLines) })
					wall, cpu := r.ratio(anchor)
					b.ReportMetric(mb/r.wall.Seconds(), db.name+"_MB/s")
					b.ReportMetric(mb/r.cpu.Seconds(), db.name+"_MB/cpu-s")
					b.ReportMetric(wall, db.name+"_x_"+a.tool)
					b.ReportMetric(cpu, db.name+"_x_"+a.tool+"_cpu")
					b.Logf("backfill into %s on one core: %.2f s (%.2f s CPU here), %.0f MB/s (%.2f of the line scanner): %.1f× %s (CPU %.1f×)",
						db.name, r.wall.Seconds(), r.cpu.Seconds(), mb/r.wall.Seconds(), mb/r.wall.Seconds()/scan, wall, a.tool, cpu)
					if cores > 1 { // the database writes on another core while the file is parsed
						s := db.open(b)
						r := runOn(cores, func() { backfillInto(b, s, path, db.streamLines) })
						wall, _ := r.ratio(anchor)
						b.ReportMetric(mb/r.wall.Seconds(), db.name+"_all_cores_MB/s")
						b.ReportMetric(wall, db.name+"_all_cores_x_"+a.tool)
						b.Logf("backfill into %s on %d cores: %.2f s, %.0f MB/s: %.1f× %s", db.name, cores, r.wall.Seconds(), mb/r.wall.Seconds(), wall, a.tool)
					}
				}
			}
			b.ReportMetric(mb/anchor.wall.Seconds(), a.tool+"_MB/s")
			b.ReportMetric(scan, "line_scanner_MB/s")
		})
	}
}

// benchStore is a database a benchmark backfills into.
type benchStore struct {
	name        string
	open        func(testing.TB) metering.Committer
	streamLines int
}

// benchStores are SQLite and, when MAILMETER_TEST_POSTGRES is set,
// PostgreSQL, each with the StreamLines `mailmeter backfill` gives it.
func benchStores(b *testing.B) []benchStore {
	out := []benchStore{{name: "sqlite", open: func(t testing.TB) metering.Committer { return storetest.SQLite(t) }, streamLines: collect.DefaultStreamLines}}
	if os.Getenv(storetest.EnvPostgres) != "" {
		out = append(out, benchStore{name: "postgres", open: func(t testing.TB) metering.Committer { return storetest.Postgres(t) }, streamLines: collect.DefaultStreamLines})
	} else {
		b.Logf("PostgreSQL not measured: %s is not set", storetest.EnvPostgres)
	}
	return out
}
