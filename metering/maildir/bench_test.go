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

// benchMessages reads MAILMETER_BENCH_MESSAGES (default 1,000,000).
func benchMessages(b *testing.B) int {
	n := 1_000_000
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

// BenchmarkScan scans the benchmark tree, then times `du -sb` over the same
// (warm) tree, and reports files/s, du's time over ours and the peak RSS.
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
	check() // warm the cache, as du will find it
	var total time.Duration
	runs := 0
	for b.Loop() {
		total += check()
		runs++
	}
	scan := total / time.Duration(runs)
	du := timeDu(b, root)
	b.ReportMetric(float64(mailboxes*500)/scan.Seconds(), "files/s")
	b.ReportMetric(du.Seconds(), "du-s")
	b.ReportMetric(du.Seconds()/scan.Seconds(), "du/scan")
	b.ReportMetric(float64(peakRSS(b))/1024, "peak-RSS-MB")
}

// timeDu runs du -sb over root twice and returns the faster run.
func timeDu(b *testing.B, root string) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range 2 {
		start := time.Now()
		if out, err := exec.Command("du", "-sb", root).CombinedOutput(); err != nil {
			b.Fatalf("du -sb: %v: %s", err, out)
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
// the full read that builds the per-directory indexes, and the watches.
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
}
