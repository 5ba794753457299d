package maildir

import (
	"context"
	"log/slog"
	"sort"
	"time"
)

// Reconciliation is the outcome of a periodic full rescan by the Watcher.
type Reconciliation struct {
	Time time.Time
	// Drift lists the mailboxes whose totals the rescan corrected.
	Drift []MailboxDrift
	// Added and Removed list mailboxes that appeared or disappeared.
	Added, Removed []string
	Problems       []Problem
	Stats          Stats
}

// MailboxDrift is a correction of a mailbox's totals: the rescan minus what
// the watcher had.
type MailboxDrift struct {
	Mailbox  string
	Bytes    int64
	Messages int64
}

// poll re-reads the unwatched directories whose mtime changed (or could
// not be trusted) since they were last read.
func (w *Watcher) poll() {
	fsys := w.scanner.fsys()
	for path, mtime := range w.polled {
		fi, err := fsys.Lstat(path)
		if err == nil && !mtime.IsZero() && fi.ModTime().Equal(mtime) {
			continue
		}
		w.mark(w.dirs[path], "")
	}
	w.flush()
}

// fullScan is a reconciliation's read of every mailbox, made off the run
// goroutine so events keep being handled meanwhile.
type fullScan struct {
	rec   Reconciliation
	reads []*mailboxRead
	dirs  []layoutDir
	err   error
}

// startReconcile starts a full rescan from scratch (no sizes reused) in the
// background, unless one is running; finishReconcile installs it.
func (w *Watcher) startReconcile(ctx context.Context, done chan<- fullScan) {
	if w.touched != nil {
		return
	}
	w.touched = map[string]bool{}
	w.bg.Go(func() {
		s := fullScan{rec: Reconciliation{Time: w.now()}}
		d, err := w.opts.Layout.discover(ctx, w.scanner.fsys())
		s.rec.Problems, s.dirs, s.err = d.problems, d.dirs, err
		if s.err == nil {
			var more []Problem
			s.reads, more, s.rec.Stats = w.scanner.read(ctx, d.found, w.fullReader)
			s.rec.Problems = append(s.rec.Problems, more...)
			s.err = ctx.Err()
		}
		select {
		case done <- s:
		case <-ctx.Done():
		}
	})
}

// finishReconcile installs a full rescan, emits every mailbox's samples,
// retries the watches that failed, and reports what it corrected. Mailboxes
// that changed while the rescan ran are read again from scratch here, as
// the rescan may predate their change.
func (w *Watcher) finishReconcile(s fullScan) {
	touched := w.touched
	w.touched = nil
	w.nReads.Add(s.rec.Stats.Dirs)
	if s.err != nil {
		w.log.Warn("maildir reconciliation failed", "err", s.err)
		return
	}
	rec := s.rec
	seen := map[string]bool{}
	for _, m := range s.reads {
		if touched[m.loc.Mailbox] {
			r := &reader{fsys: w.scanner.fsys()}
			w.fullReader(r)
			m = r.mailbox(m.loc)
			rec.Problems = append(rec.Problems, r.problems...)
		}
		if m.vanished {
			continue
		}
		seen[m.loc.Mailbox] = true
		w.install(&rec, m)
	}
	for addr, old := range w.mailboxes {
		if !seen[addr] {
			rec.Removed = append(rec.Removed, addr)
			w.remove(old)
		}
	}
	w.relayout(s.dirs, true)
	w.flush()
	w.report(slog.LevelWarn, rec.Problems)
	sort.Strings(rec.Added)
	sort.Strings(rec.Removed)
	sort.Slice(rec.Drift, func(i, j int) bool { return rec.Drift[i].Mailbox < rec.Drift[j].Mailbox })
	if w.opts.OnReconcile != nil {
		w.opts.OnReconcile(rec)
	}
}

// install replaces one mailbox's state by a fresh read, noting the drift.
func (w *Watcher) install(rec *Reconciliation, m *mailboxRead) {
	old := w.mailboxes[m.loc.Mailbox]
	if old == nil {
		rec.Added = append(rec.Added, m.loc.Mailbox)
	}
	d := w.replace(old, m, true)
	if old != nil && (d.Bytes != 0 || d.Messages != 0) {
		rec.Drift = append(rec.Drift, MailboxDrift{Mailbox: m.loc.Mailbox, Bytes: d.Bytes, Messages: d.Messages})
		w.log.Warn("maildir usage corrected by reconciliation", "mailbox", m.loc.Mailbox, "bytes", d.Bytes, "messages", d.Messages)
	}
}
