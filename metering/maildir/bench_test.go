package maildir_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering/maildir"
)

// benchMessages reads MAILMETER_BENCH_MESSAGES (default 200,000; issue
// #16's figures are of 1,000,000).
func benchMessages(b *testing.B) int {
	n := 200_000
	if s := os.Getenv("MAILMETER_BENCH_MESSAGES"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 500 {
			b.Fatalf("MAILMETER_BENCH_MESSAGES=%q: want a number ≥ 500", s)
		}
		n = v
	}
	return n
}

// benchTree builds, once, under os.TempDir() a /%d/%n store of n empty
// message files with S= names, 500 per mailbox (2,000 mailboxes for a
// million) over INBOX new/cur, Sent and Trash. The tree is reused while
// its marker file exists and removed after the benchmark unless
// MAILMETER_BENCH_KEEP=1.
func benchTree(b *testing.B, n int) (root string, mailboxes int) {
	mailboxes = n / 500
	base := filepath.Join(os.TempDir(), fmt.Sprintf("mailmeter-bench-%d", n))
	root = filepath.Join(base, "store")
	if os.Getenv("MAILMETER_BENCH_KEEP") != "1" {
		b.Cleanup(func() { os.RemoveAll(base) })
	}
	marker := filepath.Join(base, "complete")
	if _, err := os.Stat(marker); err == nil {
		return root, mailboxes
	}
	os.RemoveAll(base)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for w := range 2 {
		wg.Go(func() {
			for m := w; m < mailboxes; m += 2 {
				if err := benchMailbox(filepath.Join(root, fmt.Sprintf("d%d.example", m%20), fmt.Sprintf("u%d", m)), m); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d messages in %d mailboxes under %s in %v", n, mailboxes, root, time.Since(start).Round(time.Second))
	return root, mailboxes
}

// benchMailbox creates one mailbox of 500 empty messages.
func benchMailbox(dir string, m int) error {
	split := []struct {
		dir  string
		n    int
		info string
	}{{"new", 50, ""}, {"cur", 300, ":2,S"}, {".Sent/cur", 100, ":2,S"}, {".Trash/cur", 50, ":2,ST"}}
	i := 0
	for _, s := range split {
		for _, sub := range []string{"tmp", "new", "cur"} {
			if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(s.dir), sub), 0o755); err != nil {
				return err
			}
		}
		for range s.n {
			i++
			name := fmt.Sprintf("%d.M%dP%d.mx1.example.net,S=%d,W=%d%s", 1700000000+i, 100000+m, 4000+i, 1000+i, 1030+i, s.info)
			fd, err := syscall.Open(filepath.Join(dir, s.dir, name), syscall.O_CREAT|syscall.O_WRONLY|syscall.O_CLOEXEC, 0o644)
			if err != nil {
				return err
			}
			syscall.Close(fd)
		}
	}
	return nil
}

// BenchmarkScan scans the benchmark tree (every name with ",S="), then
// times `find -type f` and `du -sb` over the same (warm) tree, and reports
// files/s, the scan's time over find's (the goal: at most 1.5), du's over
// ours, the scan's CPU time and the peak RSS.
func BenchmarkScan(b *testing.B) {
	n := benchMessages(b)
	root, mailboxes := benchTree(b, n)
	s := &maildir.Scanner{Layout: mustLayout(b, filepath.Join(root, "%d", "%n"), "")}
	check := func() time.Duration {
		start := time.Now()
		rep, err := s.Scan(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		var msgs int64
		for _, m := range rep.Mailboxes {
			msgs += m.Messages
		}
		if len(rep.Mailboxes) != mailboxes || msgs != int64(mailboxes*500) || rep.Stats.Stats != 0 || len(rep.Problems) != 0 {
			b.Fatalf("scan found %d mailboxes, %d messages, %d stats, %d problems", len(rep.Mailboxes), msgs, rep.Stats.Stats, len(rep.Problems))
		}
		return time.Since(start)
	}
	check() // warm the cache, as find and du will find it
	var total, cpu time.Duration
	runs := 0
	for b.Loop() {
		c0 := cpuTime(b)
		total += check()
		cpu += cpuTime(b) - c0
		runs++
	}
	scan := total / time.Duration(runs)
	find := timeTool(b, "find", root, "-type", "f")
	du := timeTool(b, "du", "-sb", root)
	b.ReportMetric(float64(mailboxes*500)/scan.Seconds(), "files/s")
	b.ReportMetric(find.Seconds(), "find-s")
	b.ReportMetric(scan.Seconds()/find.Seconds(), "scan/find")
	b.ReportMetric(du.Seconds(), "du-s")
	b.ReportMetric(du.Seconds()/scan.Seconds(), "du/scan")
	b.ReportMetric((cpu / time.Duration(runs)).Seconds(), "scan-cpu-s")
	b.ReportMetric(float64(peakRSS(b))/1024, "peak-RSS-MB")
	b.Logf("scan of %d files: %.2f s (%.2f s CPU); find -type f %.2f s (scan/find %.2f); du -sb %.2f s",
		mailboxes*500, scan.Seconds(), (cpu / time.Duration(runs)).Seconds(), find.Seconds(), scan.Seconds()/find.Seconds(), du.Seconds())
}

// cpuTime returns the process's user+system CPU time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// timeTool runs a command (its output discarded) twice and returns the
// faster run.
func timeTool(b *testing.B, name string, args ...string) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range 2 {
		cmd := exec.Command(name, args...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("%s: %v: %s", name, err, stderr.String())
		}
		best = min(best, time.Since(start))
	}
	return best
}

// peakRSS returns VmHWM from /proc/self/status, in KiB.
func peakRSS(b *testing.B) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// BenchmarkWatcherLoad measures starting a Watcher over the benchmark tree:
// the full read that builds the per-directory indexes, and the watches;
// it reports the peak RSS.
func BenchmarkWatcherLoad(b *testing.B) {
	n := benchMessages(b)
	root, mailboxes := benchTree(b, n)
	l := mustLayout(b, filepath.Join(root, "%d", "%n"), "")
	var stats maildir.WatchStats
	var closing time.Duration
	for b.Loop() {
		w, err := maildir.NewWatcher(context.Background(), maildir.WatcherOptions{
			Layout: l, Sink: &sink{}, Poll: make(chan time.Time), Reconcile: make(chan time.Time),
		})
		if err != nil {
			b.Fatal(err)
		}
		stats = w.Stats()
		if len(w.Usage()) != mailboxes {
			b.Fatalf("watcher has %d mailboxes, want %d", len(w.Usage()), mailboxes)
		}
		b.StopTimer() // releasing inotify watches is slow in the kernel, and not what is measured
		start := time.Now()
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		closing = time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(closing.Seconds(), "close-s")
	b.ReportMetric(float64(stats.Watched), "watches")
	b.ReportMetric(float64(stats.Polled), "polled")
	b.ReportMetric(float64(peakRSS(b))/1024, "peak-RSS-MB")
	b.Logf("watcher start-up over %d files: peak RSS %.0f MB (goal: under 200 MB for a million)", mailboxes*500, float64(peakRSS(b))/1024)
}
