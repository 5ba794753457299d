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

// reconcile rescans every mailbox from scratch (no sizes reused), installs
// the result, emits every mailbox's samples, retries watches that failed,
// and reports what it corrected.
func (w *Watcher) reconcile(ctx context.Context) {
	rec := Reconciliation{Time: w.now()}
	locs, problems, err := w.opts.Layout.Discover(ctx, w.scanner.fsys())
	if err != nil {
		w.log.Warn("maildir reconciliation skipped", "err", err)
		return
	}
	reads, more, stats := w.scanner.read(ctx, locs, w.fullReader)
	w.nReads.Add(stats.Dirs)
	if ctx.Err() != nil {
		return
	}
	rec.Problems, rec.Stats = append(problems, more...), stats
	w.report(slog.LevelWarn, rec.Problems)
	seen := map[string]bool{}
	for _, m := range reads {
		if m.vanished {
			continue
		}
		seen[m.loc.Mailbox] = true
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
	for addr, old := range w.mailboxes {
		if !seen[addr] {
			rec.Removed = append(rec.Removed, addr)
			w.remove(old)
		}
	}
	w.flush()
	sort.Strings(rec.Added)
	sort.Strings(rec.Removed)
	sort.Slice(rec.Drift, func(i, j int) bool { return rec.Drift[i].Mailbox < rec.Drift[j].Mailbox })
	if w.opts.OnReconcile != nil {
		w.opts.OnReconcile(rec)
	}
}
