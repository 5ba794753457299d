package maildir_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/metering/maildir"
)

// watchTree builds alice and bob in a /%d/%n store and backdates every
// directory by an hour, so polling can tell untouched directories apart.
func watchTree(t testing.TB) (*maildir.Layout, string) {
	root := t.TempDir()
	alice := filepath.Join(root, "example.com", "alice")
	maildirs(t, alice, ".Sent", ".Trash")
	writeFile(t, filepath.Join(alice, "cur", "1.h,S=10:2,S"), 10)
	writeFile(t, filepath.Join(alice, "cur", "2.h:2,S"), 33) // no S=
	writeFile(t, filepath.Join(alice, ".Trash", "cur", "3.h,S=5,W=6:2,ST"), 5)
	bob := filepath.Join(root, "example.org", "bob")
	maildirs(t, bob)
	writeFile(t, filepath.Join(bob, "new", "1.b,S=1000"), 1000)
	backdate(t, root)
	return mustLayout(t, filepath.Join(root, "%d", "%n"), ""), root
}

// backdate sets the mtime of every directory under root an hour back.
func backdate(t testing.TB, root string) {
	old := time.Now().Add(-time.Hour)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		return os.Chtimes(p, old, old)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// freshScan scans the store from scratch.
func freshScan(t testing.TB, l *maildir.Layout) []maildir.MailboxUsage {
	t.Helper()
	rep, err := (&maildir.Scanner{Layout: l}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep.Mailboxes
}

// samplesDiff compares the last sample of every mailbox and folder with
// usage (zero for those no longer there).
func samplesDiff(sk *sink, usage []maildir.MailboxUsage) string {
	want := map[[2]string][2]int64{}
	got := map[[2]string][2]int64{}
	for k, s := range sk.last() {
		got[k] = [2]int64{s.Bytes, s.Messages}
		want[k] = [2]int64{}
	}
	for _, m := range usage {
		want[[2]string{m.Mailbox, ""}] = [2]int64{m.Bytes, m.Messages}
		for f, u := range m.Folders {
			want[[2]string{m.Mailbox, f}] = [2]int64{u.Bytes, u.Messages}
		}
	}
	return cmp.Diff(want, got)
}

// converge waits until the watcher's usage equals a fresh scan and its
// last samples agree. With poll set, it ticks the watcher's poll trigger
// before each check.
func converge(t *testing.T, w *maildir.Watcher, l *maildir.Layout, sk *sink, poll chan time.Time) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	recheck := time.NewTicker(20 * time.Millisecond)
	defer recheck.Stop()
	for {
		if poll != nil {
			select {
			case poll <- time.Now():
			case <-deadline.C:
				t.Fatal("watcher does not take the poll tick")
			}
		}
		want, got := freshScan(t, l), w.Usage()
		diff := cmp.Diff(want, got)
		if diff == "" {
			diff = samplesDiff(sk, got)
		}
		if diff == "" {
			return
		}
		select {
		case <-sk.changed:
		case <-recheck.C:
		case <-deadline.C:
			t.Fatalf("watcher did not converge to a fresh scan (-scan +watcher):\n%s", diff)
		}
	}
}

// changes are the mailbox operations the watcher must follow, in order.
func changes(t *testing.T, root string) []struct {
	name string
	do   func()
} {
	alice := filepath.Join(root, "example.com", "alice")
	bob := filepath.Join(root, "example.org", "bob")
	p := func(parts ...string) string { return filepath.Join(append([]string{alice}, parts...)...) }
	return []struct {
		name string
		do   func()
	}{
		{"deliver to INBOX", func() { deliver(t, alice, "100.h,S=120,W=124", 120) }},
		{"deliver without S=", func() { deliver(t, alice, "101.h", 77) }},
		{"move new to cur", func() { rename(t, p("new", "100.h,S=120,W=124"), p("cur", "100.h,S=120,W=124:2,")) }},
		{"move without S= to cur", func() { rename(t, p("new", "101.h"), p("cur", "101.h:2,S")) }},
		{"flag", func() { rename(t, p("cur", "100.h,S=120,W=124:2,"), p("cur", "100.h,S=120,W=124:2,FS")) }},
		{"flag without S=", func() { rename(t, p("cur", "2.h:2,S"), p("cur", "2.h:2,RS")) }},
		{"move to Sent", func() { rename(t, p("cur", "101.h:2,S"), p(".Sent", "cur", "101.h:2,S")) }},
		{"expunge", func() {
			if err := os.Remove(p("cur", "100.h,S=120,W=124:2,FS")); err != nil {
				t.Fatal(err)
			}
		}},
		{"mangled name", func() { writeFile(t, p("cur", "102.h,S=10_2,S"), 10) }},
		{"new folder", func() {
			maildirs(t, p(".Archive"))
			deliver(t, p(".Archive"), "103.h,S=300", 300)
		}},
		{"new nested folder", func() {
			mkdirs(t, p(".Archive.2024"), "cur")
			writeFile(t, p(".Archive.2024", "cur", "104.h,S=7:2,S"), 7)
		}},
		{"delete folder", func() {
			if err := os.RemoveAll(p(".Trash")); err != nil {
				t.Fatal(err)
			}
		}},
		{"burst", func() {
			for i := range 50 {
				deliver(t, alice, "burst"+string(rune('a'+i%26))+string(rune('a'+i/26))+",S=1", 1)
			}
		}},
		{"deliver to another mailbox", func() { deliver(t, bob, "2.b,S=2000", 2000) }},
		{"delete mailbox", func() {
			if err := os.RemoveAll(bob); err != nil {
				t.Fatal(err)
			}
		}},
	}
}

func TestWatcherFollowsChanges(t *testing.T) {
	l, root := watchTree(t)
	sk := newSink()
	w, err := maildir.NewWatcher(context.Background(), maildir.WatcherOptions{
		Layout: l, Sink: sk, Settle: 5 * time.Millisecond,
		Poll: make(chan time.Time), Reconcile: make(chan time.Time), // never fire
		OnWatchLimit: func(err error) { t.Errorf("watch limit reported: %v", err) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	converge(t, w, l, sk, nil)
	if s := w.Stats(); s.Polled != 0 || s.Watched != 15 {
		t.Errorf("stats %+v, want 15 watched (3 above the mailboxes, 2 roots, 2 folders, 8 cur/new), none polled", s)
	}
	for _, c := range changes(t, root) {
		t.Run(c.name, func(t *testing.T) {
			c.do()
			converge(t, w, l, sk, nil)
		})
	}
}

func TestWatcherWatchLimitFallsBackToPolling(t *testing.T) {
	l, root := watchTree(t)
	sk := newSink()
	poll := make(chan time.Time)
	var limits []error
	w, err := maildir.NewWatcher(context.Background(), maildir.WatcherOptions{
		Layout: l, Sink: sk, Settle: 5 * time.Millisecond, MaxWatches: 3,
		Poll: poll, Reconcile: make(chan time.Time),
		OnWatchLimit: func(err error) { limits = append(limits, err) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if len(limits) != 1 {
		t.Errorf("watch limit reported %d times, want once: %v", len(limits), limits)
	}
	if s := w.Stats(); s.Watched != 3 || s.Polled != 12 {
		t.Errorf("stats %+v, want 3 watched, 12 polled", s)
	}
	converge(t, w, l, sk, poll)
	for _, c := range changes(t, root) {
		t.Run(c.name, func(t *testing.T) {
			c.do()
			converge(t, w, l, sk, poll)
		})
	}
}

func TestWatcherPollSkipsUnchangedDirectories(t *testing.T) {
	l, root := watchTree(t)
	sk := newSink()
	poll := make(chan time.Time)
	w, err := maildir.NewWatcher(context.Background(), maildir.WatcherOptions{
		Layout: l, Sink: sk, MaxWatches: 1, Poll: poll, Reconcile: make(chan time.Time),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	tick := func() { poll <- time.Now(); poll <- time.Now() } // the second send waits for the first poll
	tick()
	before := w.Stats().Reads
	tick()
	if got := w.Stats().Reads - before; got != 0 {
		t.Errorf("polls of an unchanged tree listed %d directories, want 0", got)
	}
	deliver(t, filepath.Join(root, "example.com", "alice", ".Sent"), "9.h,S=9", 9)
	converge(t, w, l, sk, poll)
}

// deafNotifier accepts every watch and reports nothing, so that only
// polls and reconciliations can see changes.
type deafNotifier struct{}

func (deafNotifier) Add(string) error      { return nil }
func (deafNotifier) Remove(string) error   { return nil }
func (deafNotifier) Events() <-chan string { return nil }
func (deafNotifier) Errors() <-chan error  { return nil }
func (deafNotifier) Close() error          { return nil }

func TestWatcherReconcile(t *testing.T) {
	l, root := watchTree(t)
	sk := newSink()
	reconcile := make(chan time.Time)
	recs := make(chan maildir.Reconciliation, 1)
	w, err := maildir.NewWatcher(context.Background(), maildir.WatcherOptions{
		Layout: l, Sink: sk, Notifier: deafNotifier{},
		Poll: make(chan time.Time), Reconcile: reconcile,
		OnReconcile: func(r maildir.Reconciliation) { recs <- r },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	alice := filepath.Join(root, "example.com", "alice")
	writeFile(t, filepath.Join(alice, "cur", "2.h:2,S"), 83) // no S=, rewritten in place: +50
	deliver(t, filepath.Join(alice, ".Sent"), "5.h,S=100", 100)
	maildirs(t, filepath.Join(root, "example.net", "carol"))
	if err := os.RemoveAll(filepath.Join(root, "example.org", "bob")); err != nil {
		t.Fatal(err)
	}
	reconcile <- time.Now()
	var rec maildir.Reconciliation
	select {
	case rec = <-recs:
	case <-time.After(10 * time.Second):
		t.Fatal("no reconciliation")
	}
	if diff := cmp.Diff([]maildir.MailboxDrift{{Mailbox: "alice@example.com", Bytes: 150, Messages: 1}}, rec.Drift); diff != "" {
		t.Errorf("drift (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"carol@example.net"}, rec.Added); diff != "" {
		t.Errorf("added (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"bob@example.org"}, rec.Removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	converge(t, w, l, sk, nil)
}

// TestWatcherInPlaceRewrite shows what reconciliation is for: a message
// without S= rewritten in place keeps, for the watcher, the size known for
// its base name until a full rescan.
func TestWatcherInPlaceRewrite(t *testing.T) {
	l, root := watchTree(t)
	sk := newSink()
	reconcile := make(chan time.Time)
	recs := make(chan maildir.Reconciliation, 1)
	w, err := maildir.NewWatcher(context.Background(), maildir.WatcherOptions{
		Layout: l, Sink: sk, Settle: time.Millisecond, Poll: make(chan time.Time), Reconcile: reconcile,
		OnReconcile: func(r maildir.Reconciliation) { recs <- r },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	writeFile(t, filepath.Join(root, "example.com", "alice", "cur", "2.h:2,S"), 83)
	reconcile <- time.Now()
	var rec maildir.Reconciliation
	select {
	case rec = <-recs:
	case <-time.After(10 * time.Second):
		t.Fatal("no reconciliation")
	}
	if diff := cmp.Diff([]maildir.MailboxDrift{{Mailbox: "alice@example.com", Bytes: 50}}, rec.Drift); diff != "" {
		t.Errorf("drift (-want +got):\n%s", diff)
	}
	converge(t, w, l, sk, nil)
}

// TestWatcherNewMailboxes creates a mailbox in a known domain and one in a
// new domain: the watches above the mailboxes find them without a rescan.
func TestWatcherNewMailboxes(t *testing.T) {
	l, root := watchTree(t)
	sk := newSink()
	w, err := maildir.NewWatcher(context.Background(), maildir.WatcherOptions{
		Layout: l, Sink: sk, Settle: time.Millisecond, Poll: make(chan time.Time), Reconcile: make(chan time.Time),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	dave := filepath.Join(root, "example.com", "dave")
	maildirs(t, dave)
	deliver(t, dave, "1.d,S=11", 11)
	mkdirs(t, root, "example.net")
	mkdirs(t, root, "example.net/carol")
	maildirs(t, filepath.Join(root, "example.net", "carol"), ".Sent")
	deliver(t, filepath.Join(root, "example.net", "carol", ".Sent"), "1.c,S=22", 22)
	converge(t, w, l, sk, nil)
	if len(w.Usage()) != 4 {
		t.Errorf("watcher has %d mailboxes, want 4", len(w.Usage()))
	}
}

func TestWatcherCloseAndContext(t *testing.T) {
	l, _ := watchTree(t)
	ctx, cancel := context.WithCancel(context.Background())
	w, err := maildir.NewWatcher(ctx, maildir.WatcherOptions{Layout: l, Sink: newSink()})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := w.Close(); err != nil {
		t.Errorf("Close after cancel: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := maildir.NewWatcher(context.Background(), maildir.WatcherOptions{Layout: l}); err == nil {
		t.Error("NewWatcher without a Sink: no error")
	}
}

// latencyProbe starts a watcher over a small tree and returns a function
// that delivers one message (written to tmp/, renamed into new/) and
// returns the delay from the rename to the watcher's updated usage.
func latencyProbe(t testing.TB) func() time.Duration {
	l, root := watchTree(t)
	sk := newSink()
	w, err := maildir.NewWatcher(context.Background(), maildir.WatcherOptions{Layout: l, Sink: sk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	alice := filepath.Join(root, "example.com", "alice")
	u, _ := w.Mailbox("alice@example.com")
	want := u.Messages
	i := 0
	return func() time.Duration {
		i++
		want++
		name := fmt.Sprintf("%d.lat,S=100", i)
		writeFile(t, filepath.Join(alice, "tmp", name), 100)
		t0 := time.Now()
		rename(t, filepath.Join(alice, "tmp", name), filepath.Join(alice, "new", name))
		deadline := time.NewTimer(5 * time.Second)
		defer deadline.Stop()
		for {
			if u, _ := w.Mailbox("alice@example.com"); u.Messages == want {
				return time.Since(t0)
			}
			select {
			case <-sk.changed:
			case <-deadline.C:
				t.Fatalf("delivery %d not seen within 5s", i)
			}
		}
	}
}

func TestWatcherDeliveryLatency(t *testing.T) {
	deliver := latencyProbe(t)
	var d []time.Duration
	for range 20 {
		d = append(d, deliver())
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	t.Logf("delivery → usage update: median %v, max %v over %d deliveries", d[len(d)/2], d[len(d)-1], len(d))
	if d[len(d)-1] > time.Second {
		t.Errorf("max delivery latency %v, want < 1s", d[len(d)-1])
	}
}

// BenchmarkDeliveryLatency: one op is one delivery seen by the watcher.
func BenchmarkDeliveryLatency(b *testing.B) {
	deliver := latencyProbe(b)
	var sum, worst time.Duration
	n := 0
	for b.Loop() {
		d := deliver()
		sum += d
		worst = max(worst, d)
		n++
	}
	b.ReportMetric(float64(sum.Microseconds())/float64(n)/1000, "mean-ms")
	b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms")
}

// TestWatcherFolderCreatedInSteps creates a folder directory first and its
// cur/ only after the watcher has seen (and watched) the bare directory,
// as a slow IMAP CREATE would.
func TestWatcherFolderCreatedInSteps(t *testing.T) {
	l, root := watchTree(t)
	sk := newSink()
	w, err := maildir.NewWatcher(context.Background(), maildir.WatcherOptions{
		Layout: l, Sink: sk, Settle: 5 * time.Millisecond, Poll: make(chan time.Time), Reconcile: make(chan time.Time),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	folder := filepath.Join(root, "example.com", "alice", ".Later")
	mkdirs(t, filepath.Dir(folder), ".Later")
	waitFor(t, func() bool { return w.Stats().Watched == 16 }, "the bare folder directory to be watched")
	mkdirs(t, folder, "cur")
	writeFile(t, filepath.Join(folder, "cur", "1.l,S=42:2,S"), 42)
	converge(t, w, l, sk, nil)
	if u, _ := w.Mailbox("alice@example.com"); u.Folders["Later"].Bytes != 42 {
		t.Errorf("folder Later = %+v, want 42 bytes", u.Folders["Later"])
	}
}

// waitFor waits until cond holds, failing after a deadline.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	recheck := time.NewTicker(5 * time.Millisecond)
	defer recheck.Stop()
	for !cond() {
		select {
		case <-recheck.C:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestWatcherReconcileDuringChanges delivers to alice while the
// reconciliation's background read is on bob, after it read alice: the
// rescan is stale for alice and must not overwrite what the events showed.
func TestWatcherReconcileDuringChanges(t *testing.T) {
	l, root := watchTree(t)
	sk := newSink()
	reconcile := make(chan time.Time)
	recs := make(chan maildir.Reconciliation, 1)
	fsys := &faultFS{hooks: map[string]func(){}}
	w, err := maildir.NewWatcher(context.Background(), maildir.WatcherOptions{
		Layout: l, Sink: sk, FS: fsys, Workers: 1, Settle: time.Millisecond,
		Poll: make(chan time.Time), Reconcile: reconcile,
		OnReconcile: func(r maildir.Reconciliation) { recs <- r },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	alice := filepath.Join(root, "example.com", "alice")
	delivered, proceed := make(chan struct{}), make(chan struct{})
	fsys.mu.Lock()
	fsys.hooks[filepath.Join(root, "example.org", "bob")] = func() {
		if err := os.WriteFile(filepath.Join(alice, "new", "during,S=64"), make([]byte, 64), 0o644); err != nil {
			t.Error(err)
		}
		close(delivered)
		<-proceed
	}
	fsys.mu.Unlock()
	reconcile <- time.Now()
	<-delivered
	// Let the watcher see the delivery before the rescan is handed over.
	waitFor(t, func() bool { u, _ := w.Mailbox("alice@example.com"); return u.Folders["INBOX"].Messages == 3 }, "the delivery")
	close(proceed)
	var rec maildir.Reconciliation
	select {
	case rec = <-recs:
	case <-time.After(10 * time.Second):
		t.Fatal("no reconciliation")
	}
	if len(rec.Drift) != 0 {
		t.Errorf("drift %+v, want none", rec.Drift)
	}
	converge(t, w, l, sk, nil)
}

// enospcNotifier fails Add with the bare errno inotify_add_watch gives at
// fs.inotify.max_user_watches (as fsnotify passes it on) after n watches.
type enospcNotifier struct {
	maildir.Notifier
	n int
}

func (e *enospcNotifier) Add(dir string) error {
	if e.n == 0 {
		return syscall.ENOSPC
	}
	e.n--
	return e.Notifier.Add(dir)
}

func TestWatcherKernelWatchLimit(t *testing.T) {
	l, root := watchTree(t)
	inotify, err := maildir.NewNotifier()
	if err != nil {
		t.Fatal(err)
	}
	sk := newSink()
	poll := make(chan time.Time)
	var limits []error
	w, err := maildir.NewWatcher(context.Background(), maildir.WatcherOptions{
		Layout: l, Sink: sk, Notifier: &enospcNotifier{Notifier: inotify, n: 5}, Settle: time.Millisecond,
		Poll: poll, Reconcile: make(chan time.Time),
		OnWatchLimit: func(err error) { limits = append(limits, err) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if len(limits) != 1 || !errors.Is(limits[0], syscall.ENOSPC) {
		t.Errorf("watch limit reports %v, want one ENOSPC", limits)
	}
	if s := w.Stats(); s.Watched != 5 || s.Polled != 10 {
		t.Errorf("stats %+v, want 5 watched, 10 polled", s)
	}
	deliver(t, filepath.Join(root, "example.org", "bob"), "2.b,S=5", 5)
	converge(t, w, l, sk, poll)
}

// lossyNotifier watches for real but loses every event, then reports an
// overflow when told to.
type lossyNotifier struct {
	maildir.Notifier
	errs chan error
}

func (l *lossyNotifier) Events() <-chan string { return nil }
func (l *lossyNotifier) Errors() <-chan error  { return l.errs }

func TestWatcherOverflowRereadsEverything(t *testing.T) {
	l, root := watchTree(t)
	inotify, err := maildir.NewNotifier()
	if err != nil {
		t.Fatal(err)
	}
	lossy := &lossyNotifier{Notifier: inotify, errs: make(chan error)}
	sk := newSink()
	w, err := maildir.NewWatcher(context.Background(), maildir.WatcherOptions{
		Layout: l, Sink: sk, Notifier: lossy, Poll: make(chan time.Time), Reconcile: make(chan time.Time),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	deliver(t, filepath.Join(root, "example.org", "bob"), "2.b,S=5", 5)
	deliver(t, filepath.Join(root, "example.com", "alice", ".Sent"), "6.h,S=6", 6)
	lossy.errs <- fmt.Errorf("inotify: %w", maildir.ErrOverflow)
	converge(t, w, l, sk, nil)
}

// TestWatcherKeepsUsageOfUnreadableDirectory: a re-read that cannot list a
// directory keeps the usage known for it instead of dropping it to zero.
func TestWatcherKeepsUsageOfUnreadableDirectory(t *testing.T) {
	l, root := watchTree(t)
	alice := filepath.Join(root, "example.com", "alice")
	fsys := &faultFS{deny: map[string]bool{}}
	sk := newSink()
	w, err := maildir.NewWatcher(context.Background(), maildir.WatcherOptions{
		Layout: l, Sink: sk, FS: fsys, Settle: time.Millisecond, Poll: make(chan time.Time), Reconcile: make(chan time.Time),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	before, _ := w.Mailbox("alice@example.com")
	fsys.mu.Lock()
	fsys.deny[filepath.Join(alice, "cur")] = true
	fsys.mu.Unlock()
	reads := w.Stats().Reads
	deliver(t, alice, "7.h,S=7", 7)
	waitFor(t, func() bool { return w.Stats().Reads > reads }, "the re-read")
	if after, _ := w.Mailbox("alice@example.com"); after.Bytes != before.Bytes {
		t.Errorf("usage went from %d to %d bytes on an unreadable cur/", before.Bytes, after.Bytes)
	}
	fsys.mu.Lock()
	delete(fsys.deny, filepath.Join(alice, "cur"))
	fsys.mu.Unlock()
	deliver(t, alice, "8.h,S=8", 8)
	converge(t, w, l, sk, nil)
}
