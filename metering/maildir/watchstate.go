package maildir

import (
	"errors"
	"log/slog"
	"path/filepath"
	"syscall"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// role is what a known directory is to its mailbox.
type role int

const (
	roleRoot     role = iota // the Maildir root (INBOX and the folder list)
	roleFolder               // a Maildir++ folder directory
	roleMessages             // a cur/ or new/ directory
	roleLayout               // a directory above the mailboxes (root, domain)
)

// dirRef locates a known directory.
type dirRef struct {
	mailbox string
	folder  string
	role    role
	depth   int // for roleLayout: the depth in the layout below the root
}

// folderKey names one folder of one mailbox.
type folderKey struct{ mailbox, folder string }

// event turns a changed path into pending work: the path may be a known
// directory itself, or an entry in one.
func (w *Watcher) event(p string) {
	if ref, ok := w.dirs[p]; ok {
		w.mark(ref, "")
	}
	if ref, ok := w.dirs[filepath.Dir(p)]; ok {
		w.mark(ref, filepath.Base(p))
	}
}

// mark records what a change of child ("" for the directory itself) in a
// known directory requires. Changes to index and control files in the
// Maildir and folder roots are ignored.
func (w *Watcher) mark(ref dirRef, child string) {
	folder := func() { w.pendDirs[folderKey{ref.mailbox, ref.folder}] = true }
	switch {
	case ref.role == roleLayout:
		if child == "" || w.opts.Layout.matchesNext(ref.depth, child) {
			w.pendDiscover = true
		}
	case ref.role == roleMessages:
		folder()
	case child == "":
		w.pendRoots[ref.mailbox] = true
	case child == "cur" || child == "new":
		folder()
	case ref.role == roleRoot && child[0] == '.':
		w.pendRoots[ref.mailbox] = true
	}
}

// flush does the pending work: a new discovery of the mailboxes first,
// then whole mailboxes (a folder list re-read covers their folders), then
// single folders.
func (w *Watcher) flush() {
	for w.pendDiscover || len(w.pendRoots) > 0 || len(w.pendDirs) > 0 {
		if w.pendDiscover {
			w.pendDiscover = false
			w.rediscover()
		}
		roots, dirs := w.pendRoots, w.pendDirs
		w.pendRoots, w.pendDirs = map[string]bool{}, map[folderKey]bool{}
		for addr := range roots {
			w.refreshMailbox(addr)
		}
		for k := range dirs {
			if !roots[k.mailbox] {
				w.refreshFolder(k)
			}
		}
	}
}

// reader returns a reader that reuses the sizes of messages already known.
func (w *Watcher) reader() *reader {
	return &reader{fsys: w.scanner.fsys(), index: true, mtimes: true, known: w.known}
}

// known returns the index of a known message directory.
func (w *Watcher) known(dir string) map[string]msgSize {
	ref, ok := w.dirs[dir]
	if !ok || ref.role != roleMessages {
		return nil
	}
	m := w.mailboxes[ref.mailbox]
	if m == nil || m.folders[ref.folder] == nil {
		return nil
	}
	return m.folders[ref.folder].dir(filepath.Base(dir)).index
}

// refreshMailbox re-reads a whole mailbox, its folder list included.
func (w *Watcher) refreshMailbox(addr string) {
	old := w.mailboxes[addr]
	if old == nil {
		return
	}
	if w.touched != nil {
		w.touched[addr] = true
	}
	r := w.reader()
	m := r.mailbox(old.loc)
	w.nReads.Add(r.stats.Dirs)
	w.report(slog.LevelDebug, r.problems)
	switch {
	case m.vanished:
		w.remove(old)
	case !unreadable(r.problems):
		w.replace(old, m, false)
	}
}

// refreshFolder re-reads cur/ and new/ of one folder.
func (w *Watcher) refreshFolder(k folderKey) {
	old := w.mailboxes[k.mailbox]
	if old == nil {
		return
	}
	if old.folders[k.folder] == nil {
		w.refreshMailbox(k.mailbox) // cur/ or new/ appeared in a new folder
		return
	}
	if w.touched != nil {
		w.touched[k.mailbox] = true
	}
	f := &folderRead{name: k.folder, root: old.folders[k.folder].root}
	r := w.reader()
	r.folder(old.loc, f, false)
	w.nReads.Add(r.stats.Dirs)
	w.report(slog.LevelDebug, r.problems)
	if unreadable(r.problems) {
		return
	}
	if !f.cur.exists && !f.new.exists {
		w.refreshMailbox(k.mailbox) // the folder, or the mailbox, is going away
		return
	}
	m := &mailboxRead{loc: old.loc, mtime: old.mtime, candidates: old.candidates, folders: make(map[string]*folderRead, len(old.folders))}
	for name, of := range old.folders {
		m.folders[name] = of
	}
	m.folders[k.folder] = f
	w.replace(old, m, false)
}

// unreadable reports whether a re-read failed to read a directory. The
// watcher then keeps what it knew rather than drop the usage of a
// directory it could not read (the failure may be passing, like EMFILE);
// the next change or the reconciliation reads it again.
func unreadable(problems []Problem) bool {
	for _, p := range problems {
		if p.Kind == Unreadable {
			return true
		}
	}
	return false
}

// replace installs m in place of old (nil for a new mailbox), then emits
// the folders whose usage changed and the total, or everything when all is
// set, and adjusts the watches. It returns the change of the totals.
func (w *Watcher) replace(old, m *mailboxRead, all bool) FolderUsage {
	var before MailboxUsage
	if old != nil {
		before = old.usage()
	}
	after := m.usage()
	w.mu.Lock()
	w.mailboxes[m.loc.Mailbox] = m
	w.mu.Unlock()
	at := w.now()
	changed := all
	for name, u := range after.Folders {
		if b, ok := before.Folders[name]; all || !ok || b != u {
			w.sample(at, m.loc.Mailbox, name, u)
			changed = true
		}
	}
	for name := range before.Folders {
		if _, ok := after.Folders[name]; !ok {
			w.sample(at, m.loc.Mailbox, name, FolderUsage{})
			changed = true
		}
	}
	if changed {
		w.sample(at, m.loc.Mailbox, "", after.Total())
	}
	w.rewatch(old, m, all)
	return after.Total().sub(before.Total())
}

// remove forgets a mailbox that is gone, emitting zero usage for it.
func (w *Watcher) remove(old *mailboxRead) {
	w.mu.Lock()
	delete(w.mailboxes, old.loc.Mailbox)
	w.mu.Unlock()
	at := w.now()
	for name := range old.usage().Folders {
		w.sample(at, old.loc.Mailbox, name, FolderUsage{})
	}
	w.sample(at, old.loc.Mailbox, "", FolderUsage{})
	w.rewatch(old, &mailboxRead{}, false)
}

func (w *Watcher) sample(at time.Time, mailbox, folder string, u FolderUsage) {
	w.opts.Sink.Storage(metering.StorageSample{Time: at, Mailbox: mailbox, Folder: folder, Bytes: u.Bytes, Messages: u.Messages})
}

// watchedDir is one directory of a mailbox read, with the mtime seen.
type watchedDir struct {
	path  string
	ref   dirRef
	mtime time.Time
}

// dirsOf lists the directories of a mailbox read that exist.
func dirsOf(m *mailboxRead) []watchedDir {
	if m.loc.Path == "" {
		return nil
	}
	out := []watchedDir{{m.loc.Path, dirRef{mailbox: m.loc.Mailbox, role: roleRoot}, m.mtime}}
	for _, f := range m.candidates {
		out = append(out, watchedDir{f.root, dirRef{mailbox: m.loc.Mailbox, folder: f.name, role: roleFolder}, f.mtime})
	}
	for _, name := range sortedKeys(m.folders) {
		f := m.folders[name]
		if name != Inbox {
			out = append(out, watchedDir{f.root, dirRef{mailbox: m.loc.Mailbox, folder: name, role: roleFolder}, f.mtime})
		}
		for _, d := range []*dirRead{&f.cur, &f.new} {
			if d.exists {
				out = append(out, watchedDir{d.path, dirRef{mailbox: m.loc.Mailbox, folder: name, role: roleMessages}, d.mtime})
			}
		}
	}
	return out
}

// rewatch drops the directories of old that m no longer has, and watches
// (or polls) the new ones; with retry, it also tries again to watch the
// polled ones.
func (w *Watcher) rewatch(old, m *mailboxRead, retry bool) {
	var before []watchedDir
	if old != nil {
		before = dirsOf(old)
	}
	w.syncDirs(before, dirsOf(m), retry)
}

// syncDirs moves the watches from the directories before to those after.
// Removals go first, so a renamed folder's inotify watch is released before
// its new name is watched.
func (w *Watcher) syncDirs(before, after []watchedDir, retry bool) {
	keep := make(map[string]bool, len(after))
	for _, d := range after {
		keep[d.path] = true
	}
	for _, d := range before {
		if !keep[d.path] {
			w.unwatch(d.path)
		}
	}
	for _, d := range after {
		_, known := w.dirs[d.path]
		_, polled := w.polled[d.path]
		switch {
		case !known || retry && polled:
			w.watch(d)
		case polled:
			w.polled[d.path] = d.mtime
		}
	}
	w.nWatched.Store(int64(len(w.watched)))
	w.nPolled.Store(int64(len(w.polled)))
}

// watch starts watching a directory, or polling it when it cannot be
// watched. Because the directory was read before the watch existed, it is
// read again if its mtime moved since (or was too recent to trust).
func (w *Watcher) watch(d watchedDir) {
	w.dirs[d.path] = d.ref
	if w.watched[d.path] {
		return
	}
	err := w.notifier.Add(d.path)
	if err != nil {
		if errors.Is(err, syscall.ENOSPC) {
			w.watchLimit(err)
		} else {
			w.log.Warn("maildir watch failed; polling instead", "dir", d.path, "err", err)
		}
		w.polled[d.path] = d.mtime
		return
	}
	w.watched[d.path] = true
	delete(w.polled, d.path)
	if fi, err := w.scanner.fsys().Lstat(d.path); err != nil || d.mtime.IsZero() || !fi.ModTime().Equal(d.mtime) {
		w.mark(d.ref, "")
	}
}

// unwatch forgets a directory.
func (w *Watcher) unwatch(path string) {
	if w.watched[path] {
		w.notifier.Remove(path) // fails harmlessly when the kernel already dropped it
	}
	delete(w.watched, path)
	delete(w.polled, path)
	delete(w.dirs, path)
}

// watchLimit says once that the watch limit was reached.
func (w *Watcher) watchLimit(err error) {
	if w.limitSaid {
		return
	}
	w.limitSaid = true
	w.log.Warn("inotify watch limit reached (fs.inotify.max_user_watches); polling the directories left unwatched", "err", err)
	if w.opts.OnWatchLimit != nil {
		w.opts.OnWatchLimit(err)
	}
}
