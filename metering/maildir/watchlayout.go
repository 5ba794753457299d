package maildir

import (
	"context"
	"log/slog"
)

// rediscover walks the layout again after a change above the mailboxes:
// it reads and installs the mailboxes that appeared (or moved), has the
// ones no longer found re-read (which removes them if they are gone), and
// moves the watches on the directories above the mailboxes.
func (w *Watcher) rediscover() {
	d, err := w.opts.Layout.discover(context.Background(), w.scanner.fsys())
	if err != nil {
		w.log.Warn("maildir discovery failed", "err", err)
		return
	}
	w.report(slog.LevelDebug, d.problems)
	w.relayout(d.dirs, false)
	found := make(map[string]bool, len(d.found))
	for _, loc := range d.found {
		found[loc.Mailbox] = true
		old := w.mailboxes[loc.Mailbox]
		if old != nil && old.loc.Path == loc.Path {
			continue
		}
		r := &reader{fsys: w.scanner.fsys()}
		w.fullReader(r)
		m := r.mailbox(loc)
		w.nReads.Add(r.stats.Dirs)
		w.report(slog.LevelWarn, r.problems)
		if !m.vanished {
			w.replace(old, m, true)
		}
	}
	for addr := range w.mailboxes {
		if !found[addr] {
			w.pendRoots[addr] = true
		}
	}
}

// relayout watches the directories above the mailboxes, so that new
// domains and mailboxes are seen when they are created.
func (w *Watcher) relayout(dirs []layoutDir, retry bool) {
	after := make([]watchedDir, len(dirs))
	for i, d := range dirs {
		after[i] = watchedDir{d.path, dirRef{role: roleLayout, depth: d.depth}, d.mtime}
	}
	w.syncDirs(w.layout, after, retry)
	w.layout = after
}
