package maildir

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// WatcherOptions configures a Watcher. Layout and Sink are required.
type WatcherOptions struct {
	Layout *Layout
	Sink   metering.Sink
	// FS is the file system read; nil means OSFS.
	FS FS
	// Notifier reports changes; nil means inotify through fsnotify.
	Notifier Notifier
	// MaxWatches, if positive, caps the directories watched, as if
	// fs.inotify.max_user_watches were that low; the rest are polled.
	MaxWatches int
	// Workers bounds the mailboxes read at once during full scans.
	Workers int
	// Now stamps samples; nil means time.Now.
	Now func() time.Time
	// Logger receives problems and watch-limit warnings; nil discards.
	Logger *slog.Logger
	// Settle is how long to gather events before re-reading (default
	// 10ms), so a burst of events costs one read per folder.
	Settle time.Duration
	// PollInterval is the period of the rescans of directories that could
	// not be watched (default 1 minute). Poll, if set, replaces the ticker.
	PollInterval time.Duration
	Poll         <-chan time.Time
	// ReconcileInterval is the period of the full rescans that correct the
	// in-memory state (default 1 hour). Reconcile, if set, replaces the
	// ticker.
	ReconcileInterval time.Duration
	Reconcile         <-chan time.Time
	// OnWatchLimit, if set, is called once when a watch cannot be added
	// because of the watch limit (ENOSPC).
	OnWatchLimit func(error)
	// OnReconcile, if set, receives the outcome of each reconciliation.
	//
	// Both callbacks, like the Sink, are called from the watcher's own
	// goroutine: they should return quickly and must not call Close.
	OnReconcile func(Reconciliation)
}

// Defaults of WatcherOptions.
const (
	DefaultSettle            = 10 * time.Millisecond
	DefaultPollInterval      = time.Minute
	DefaultReconcileInterval = time.Hour
)

// Watcher keeps the storage usage of every mailbox of a layout current and
// emits a StorageSample for the mailbox and the folder at each change.
//
// It watches every cur/ and new/, every Maildir and folder root (for
// folders created and deleted) and the directories above the mailboxes
// (for mailboxes created). Every event is only a hint to re-read the
// folder it names; a re-read lists cur/ and new/ and recognizes messages it
// already knows by their base name, so a flag change or a move from new/
// to cur/ costs no stat. Directories that cannot be watched (inotify watch
// limit) are polled, and skipped while their mtime is unchanged. A
// periodic reconciliation scans everything again in the background and
// reports the drift it corrected.
//
// Samples go to the Sink from one goroutine at a time.
type Watcher struct {
	opts     WatcherOptions
	scanner  *Scanner
	notifier Notifier
	log      *slog.Logger

	mu        sync.Mutex              // guards mailboxes for Usage, and problems
	mailboxes map[string]*mailboxRead // by address
	problems  map[ProblemKind]int64   // problems reported, for Stats

	// Owned by the run goroutine.
	dirs         map[string]dirRef    // every known directory
	watched      map[string]bool      // directories with a watch
	polled       map[string]time.Time // unwatched directories → mtime last read (zero: re-read)
	pendRoots    map[string]bool      // mailboxes whose folder list must be re-read
	pendDirs     map[folderKey]bool   // folders whose cur/ and new/ must be re-read
	pendDiscover bool                 // the layout must be walked again
	layout       []watchedDir         // the directories above the mailboxes
	limitSaid    bool
	touched      map[string]bool // mailboxes re-read while a reconciliation runs; nil when none runs
	bg           sync.WaitGroup  // the running reconciliation

	nWatched, nPolled, nReads atomic.Int64 // for Stats

	cancel context.CancelFunc
	done   chan struct{} // closed when run returns
	errc   error         // from closing the notifier, set before done
}

// NewWatcher scans every mailbox, emits their samples, watches their
// directories and keeps watching until ctx is done or Close is called.
// It fails when the options are invalid, the notifier cannot start or
// the layout root cannot be read.
func NewWatcher(ctx context.Context, opts WatcherOptions) (*Watcher, error) {
	if opts.Layout == nil || opts.Sink == nil {
		return nil, metering.Errorf(metering.Invalid, "maildir watcher: Layout and Sink are required")
	}
	w := &Watcher{
		opts:      opts,
		scanner:   &Scanner{Layout: opts.Layout, FS: opts.FS, Workers: opts.Workers, Now: opts.Now},
		log:       opts.Logger,
		mailboxes: map[string]*mailboxRead{},
		problems:  map[ProblemKind]int64{},
		dirs:      map[string]dirRef{},
		watched:   map[string]bool{},
		polled:    map[string]time.Time{},
		pendRoots: map[string]bool{},
		pendDirs:  map[folderKey]bool{},
		done:      make(chan struct{}),
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	n := opts.Notifier
	if n == nil {
		var err error
		if n, err = NewNotifier(); err != nil {
			return nil, err
		}
	}
	if opts.MaxWatches > 0 {
		n = &limitNotifier{Notifier: n, max: opts.MaxWatches, watched: map[string]bool{}}
	}
	w.notifier = n
	if err := w.load(ctx); err != nil {
		n.Close()
		return nil, err
	}
	ctx, w.cancel = context.WithCancel(ctx)
	go w.run(ctx)
	return w, nil
}

// load reads every mailbox, installs it and emits its samples.
func (w *Watcher) load(ctx context.Context) error {
	d, err := w.opts.Layout.discover(ctx, w.scanner.fsys())
	if err != nil {
		return fmt.Errorf("maildir watcher: %w", err)
	}
	reads, more, stats := w.scanner.read(ctx, d.found, w.fullReader)
	w.nReads.Add(stats.Dirs)
	w.report(slog.LevelWarn, append(d.problems, more...))
	for _, m := range reads {
		if !m.vanished {
			w.replace(nil, m, true)
		}
	}
	w.relayout(d.dirs, false)
	w.flush() // directories that changed while they were being watched
	return ctx.Err()
}

// fullReader configures a reader for a full read that trusts no index.
func (w *Watcher) fullReader(r *reader) { r.index, r.mtimes = true, true }

// Close stops watching, waits for the watcher to finish and returns the
// error of closing the notifier. The watcher also stops, and releases its
// watches, when the context given to NewWatcher is done.
func (w *Watcher) Close() error {
	w.cancel()
	<-w.done
	return w.errc
}

// Usage returns the current usage of every mailbox, sorted by address.
func (w *Watcher) Usage() []MailboxUsage {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]MailboxUsage, 0, len(w.mailboxes))
	for _, m := range w.mailboxes {
		out = append(out, m.usage())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Mailbox < out[j].Mailbox })
	return out
}

// Mailbox returns the current usage of one mailbox.
func (w *Watcher) Mailbox(addr string) (MailboxUsage, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m, ok := w.mailboxes[addr]
	if !ok {
		return MailboxUsage{}, false
	}
	return m.usage(), true
}

// Layout returns the layout the watcher meters.
func (w *Watcher) Layout() *Layout { return w.opts.Layout }

// WatchStats describes what a Watcher is doing.
type WatchStats struct {
	Watched int64 // directories with an inotify watch
	Polled  int64 // directories polled because they could not be watched
	Reads   int64 // directories listed since the watcher started
	// Problems counts the problems reported (and logged) since the watcher
	// started, by kind: directories skipped, the rest metered as usual. A
	// lasting problem counts again at each read that meets it.
	Problems map[ProblemKind]int64
}

// Stats returns what the watcher is doing.
func (w *Watcher) Stats() WatchStats {
	w.mu.Lock()
	problems := make(map[ProblemKind]int64, len(w.problems))
	for k, n := range w.problems {
		problems[k] = n
	}
	w.mu.Unlock()
	return WatchStats{Watched: w.nWatched.Load(), Polled: w.nPolled.Load(), Reads: w.nReads.Load(), Problems: problems}
}

// run handles events, polls and reconciliations until ctx is done.
func (w *Watcher) run(ctx context.Context) {
	defer close(w.done)
	defer func() { w.errc = w.notifier.Close() }()
	defer w.bg.Wait()
	poll, stopPoll := ticker(w.opts.Poll, w.opts.PollInterval, DefaultPollInterval)
	defer stopPoll()
	reconcile, stopReconcile := ticker(w.opts.Reconcile, w.opts.ReconcileInterval, DefaultReconcileInterval)
	defer stopReconcile()
	settle := w.opts.Settle
	if settle <= 0 {
		settle = DefaultSettle
	}
	timer := time.NewTimer(settle)
	timer.Stop()
	armed := false
	events, errs := w.notifier.Events(), w.notifier.Errors()
	scanned := make(chan fullScan)
	for {
		select {
		case <-ctx.Done():
			return
		case p, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			w.event(p)
			if !armed {
				timer.Reset(settle)
				armed = true
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			w.watchError(err)
		case <-timer.C:
			armed = false
			w.flush()
		case <-poll:
			w.poll()
		case <-reconcile:
			w.startReconcile(ctx, scanned)
		case s := <-scanned:
			w.finishReconcile(s)
		}
	}
}

// ticker returns c if set, else a ticker of interval (or def).
func ticker(c <-chan time.Time, interval, def time.Duration) (<-chan time.Time, func()) {
	if c != nil {
		return c, func() {}
	}
	if interval <= 0 {
		interval = def
	}
	t := time.NewTicker(interval)
	return t.C, t.Stop
}

// watchError handles an error from the notifier: after lost events every
// mailbox is re-read (no stat for known messages).
func (w *Watcher) watchError(err error) {
	w.log.Warn("maildir watch error", "err", err)
	if errors.Is(err, ErrOverflow) {
		for addr := range w.mailboxes {
			w.pendRoots[addr] = true
		}
		w.flush()
	}
}

func (w *Watcher) now() time.Time {
	if w.opts.Now == nil {
		return time.Now()
	}
	return w.opts.Now()
}

// report logs problems, as warnings from full scans, at debug level from
// re-reads, which would repeat a lasting problem at every change; and
// counts them for Stats.
func (w *Watcher) report(level slog.Level, problems []Problem) {
	w.mu.Lock()
	for _, p := range problems {
		w.problems[p.Kind]++
	}
	w.mu.Unlock()
	for _, p := range problems {
		w.log.Log(context.Background(), level, "maildir problem", "kind", p.Kind, "path", p.Path, "mailbox", p.Mailbox, "err", p.Err)
	}
}
