package tail

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// advance runs when the current file has no complete line left. It notices
// growth, rotation, truncation and deletion, and moves to the next file when
// the current one is finished. It reports whether reading may go on without
// waiting.
func (t *Tailer) advance(b *batch) (bool, error) {
	switch {
	case t.cur == nil:
		return t.openPath()
	case t.done:
		return t.finish(b)
	case t.live:
		return t.checkLive()
	default:
		return t.checkRotated()
	}
}

// checkLive checks the file at path, which cur was last known to be.
func (t *Tailer) checkLive() (bool, error) {
	fi, err := os.Stat(t.path)
	if errors.Is(err, fs.ErrNotExist) {
		t.live = false // deleted, or renamed with no new file yet
		return t.checkRotated()
	}
	if err != nil {
		return false, fmt.Errorf("tail %s: %w", t.path, err)
	}
	if dev, ino := inode(fi); dev != t.cur.id.Dev || ino != t.cur.id.Ino {
		t.live = false // rotated by rename
		return t.checkRotated()
	}
	size, mtime := fi.Size(), fi.ModTime()
	if size < t.lr.rd {
		return t.truncated()
	}
	if size == t.lr.rd && t.cur.id.FPLen == FingerprintBytes && mtime.Equal(t.cur.mtime) {
		return false, nil // unchanged; otherwise check its first bytes
	}
	t.cur.mtime = mtime
	same, err := t.cur.refresh()
	if err != nil {
		return false, fmt.Errorf("tail %s: %w", t.path, err)
	}
	if !same {
		return t.truncated() // truncated and written again since
	}
	t.pos.File = t.cur.id
	return size > t.lr.rd, nil
}

// checkRotated checks a current file that is no longer at path: it is
// finished once it is read to its end after a successor was seen written
// to, so that lines its writer adds before reopening are not lost.
func (t *Tailer) checkRotated() (bool, error) {
	if t.cur.sealed {
		t.done = true
		return true, nil
	}
	next, err := t.successor()
	if err != nil {
		return false, err
	}
	written := false
	if next != nil {
		nsize, err := next.size()
		if err != nil {
			return false, fmt.Errorf("tail %s: %w", t.path, err)
		}
		written = nsize > 0
	}
	size, err := t.cur.size()
	if err != nil {
		return false, fmt.Errorf("tail %s: %w", t.path, err)
	}
	if size > t.lr.rd {
		return true, nil
	}
	if written {
		t.done = true
		return true, nil
	}
	return false, nil
}

// successor returns the file to read after cur: the next rotated file, else
// the file now at path, or nil if there is none yet. When a new file is
// found at path, the rotated files newer than cur are queued before it.
func (t *Tailer) successor() (*file, error) {
	if len(t.queue) > 0 {
		return t.queue[0], nil
	}
	if t.succ != nil && !t.succ.replaced(t.path) {
		return t.succ, nil
	}
	t.succ.close()
	t.succ = nil
	fl, err := openFile(t.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tail %s: %w", t.path, err)
	}
	if fl.id.sameInode(t.cur.id) {
		fl.close() // moved back to path
		t.live = true
		return nil, nil
	}
	t.succ = fl
	// Rotated more than once since cur was live? Read the files between.
	self, newer := t.locate(t.cur.id, 0)
	if self != nil {
		self.close()
	}
	t.queue = newer
	if len(newer) > 0 {
		return newer[0], nil
	}
	return fl, nil
}

// replaced reports whether fl, an empty file once found at path, has since
// been replaced there, so it should be looked up again.
func (fl *file) replaced(path string) bool {
	if size, err := fl.size(); err != nil || size > 0 {
		return err != nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return true
	}
	dev, ino := inode(fi)
	return dev != fl.id.Dev || ino != fl.id.Ino
}

// finish delivers the unterminated rest of a finished file and moves on to
// the next one.
func (t *Tailer) finish(b *batch) (bool, error) {
	if !t.dropRest {
		if line, truncated, ok := t.lr.rest(); ok && !t.deliver(b, line, truncated) {
			return false, nil
		}
	}
	t.count.Files++
	t.cur.close()
	t.cur, t.done, t.dropRest = nil, false, false
	switch {
	case len(t.queue) > 0:
		next := t.queue[0]
		t.queue = t.queue[1:]
		t.live = false
		return true, t.start(next, next.id, 0)
	case t.succ != nil:
		next := t.succ
		t.succ = nil
		t.live = true
		return true, t.start(next, next.id, 0)
	}
	t.live = false
	t.pos = Position{Path: t.path}
	return true, nil
}

// truncated handles a live file found shorter than what was read from it, or
// starting differently (copytruncate). The lines between what was read and
// the truncation are read from the rotated copy, if it can be found; then
// the file at path is read from its start.
func (t *Tailer) truncated() (bool, error) {
	t.count.Truncations++
	old, from := t.cur, t.lr.rd
	next, err := openFile(t.path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("tail %s: %w", t.path, err)
	}
	if cp, newer := t.locate(old.id, from); cp != nil {
		src, err := cp.reader(from)
		if err == nil {
			old.close()
			cp.sealed = true
			t.cur, t.live, t.succ, t.queue = cp.file, false, next, newer
			t.lr.src = src
			return true, nil
		}
		cp.close()
		closeAll(newer)
	}
	old.close()
	t.cur, t.live = nil, false
	gap := t.gap(t.pos.File, t.pos.Offset, "file truncated and no rotated copy of it found; reading it from its start", nil)
	if next == nil {
		t.pos = Position{Path: t.path}
		return true, gap
	}
	t.live = true
	if err := t.start(next, next.id, 0); err != nil {
		return false, err
	}
	return true, gap
}
