package tail

import (
	"bytes"
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
	}
	if moved, err := t.firstContent(); moved || err != nil {
		return moved, err
	}
	switch {
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
	same, err := t.refreshCur()
	if err != nil {
		return false, fmt.Errorf("tail %s: %w", t.path, err)
	}
	if !same {
		return t.truncated() // truncated and written again since
	}
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
		if !next.gz && next.id.FPLen < FingerprintBytes && nsize > int64(next.id.FPLen) {
			// Fingerprint it as it grows, to notice if it is truncated
			// (copytruncate) before its turn comes.
			if _, err := next.refresh(); err != nil {
				return false, fmt.Errorf("tail %s: %w", t.path, err)
			}
		}
	}
	size, err := t.cur.size()
	if err != nil {
		return false, fmt.Errorf("tail %s: %w", t.path, err)
	}
	if size < t.lr.rd {
		return t.truncated() // by copytruncate, before it was renamed
	}
	if size > t.lr.rd {
		if same, err := t.refreshCur(); err != nil || !same {
			return t.truncated()
		}
		return true, nil
	}
	if written {
		t.done = true
		return true, nil
	}
	return false, nil
}

// successor returns the file to read after cur: the next rotated file, else
// the file now at path, or nil if there is none yet.
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
	if t.cur.id.FPLen > 0 {
		t.anchor = t.cur.id
	}
	located := false
	if len(t.queue) == 0 && t.succ != nil {
		located = t.queueBefore(t.succ)
	}
	t.cur.close()
	t.cur, t.done, t.dropRest = nil, false, false
	switch {
	case len(t.queue) > 0:
		next := t.queue[0]
		t.queue = t.queue[1:]
		t.live = false
		return true, t.start(next, next.id, 0)
	case t.succ != nil:
		return t.startSuccessor(located)
	}
	t.live = false
	t.pos = Position{Path: t.path}
	return true, nil
}

// queueBefore queues the rotated files newer than cur and older than succ:
// files rotated after cur was left behind, or copies of succ taken before
// it was truncated. It reports whether cur was found among the
// rotated files, which is what tells newer from older.
func (t *Tailer) queueBefore(succ *file) bool {
	if t.anchor.IsZero() {
		return false
	}
	self, newer := t.locate(t.anchor, 0)
	if self == nil {
		closeAll(newer)
		return false
	}
	self.close()
	if err := succ.readHead(); err != nil {
		succ.head = nil
	}
	reached := false // succ, or a copy of it: the newer files come after it
	for _, f := range newer {
		reached = reached || f.id.sameInode(succ.id) || samePrefix(f.head, succ.head)
		if reached || len(f.head) == 0 {
			f.close()
			continue
		}
		t.queue = append(t.queue, f)
	}
	return true
}

// samePrefix reports whether a and b agree as far as both go.
func samePrefix(a, b []byte) bool {
	n := min(len(a), len(b))
	return n > 0 && bytes.Equal(a[:n], b[:n])
}

// startSuccessor starts the file found at path. If the files before it were
// located, it is read from its start as it is now; otherwise it is checked
// against what it started with when it was found.
func (t *Tailer) startSuccessor(located bool) (bool, error) {
	next := t.succ
	t.succ = nil
	t.live = true
	if located && next.head != nil {
		next.id.FPLen, next.id.FP = len(next.head), fingerprint(next.head)
	}
	if err := t.start(next, next.id, 0); err != nil {
		return true, err
	}
	if located {
		return true, nil
	}
	return t.checkStart()
}

// checkStart checks a file found at path earlier, now started: if it no
// longer starts as it did, it was truncated meanwhile.
func (t *Tailer) checkStart() (bool, error) {
	same, err := t.refreshCur()
	if err != nil {
		return false, fmt.Errorf("tail %s: %w", t.path, err)
	}
	if !same {
		return t.truncated()
	}
	return true, nil
}

// truncated handles a live file found shorter than what was read from it, or
// starting differently (copytruncate). The lines between what was read and
// the truncation are read from the rotated copy, if it can be found; then
// the file at path is read from its start.
func (t *Tailer) truncated() (bool, error) {
	t.count.Truncations++
	old, from := t.cur, t.lr.rd
	if old.id.FPLen > 0 {
		t.anchor = old.id
	}
	next := t.succ
	if next == nil {
		fl, err := openFile(t.path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, fmt.Errorf("tail %s: %w", t.path, err)
		}
		next = fl
	}
	if cp, newer := t.locate(old.id, from); cp != nil {
		src, err := cp.reader(from)
		if err == nil {
			old.close()
			closeAll(t.queue)
			cp.sealed = true
			t.cur, t.live, t.succ, t.queue = cp.file, false, next, newer
			t.lr.src = src
			t.pos.File = withHead(t.pos.File, cp.id)
			return true, nil
		}
		cp.close()
		closeAll(newer)
	}
	old.close()
	t.succ = nil
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

// refreshCur re-reads the head of the current file and reports whether it
// still starts as it did; if so its identity, and the Position's if they were
// the same, cover the longer head.
func (t *Tailer) refreshCur() (bool, error) {
	mine := t.pos.File == t.cur.id
	same, err := t.cur.refresh()
	if same && mine {
		t.pos.File = t.cur.id
	}
	return same, err
}

// firstContent runs before reading on in a file that was empty when it was
// started: once it has content, rotated files that appeared meanwhile and
// were not read (it was written and copied away between two looks) are read
// first.
func (t *Tailer) firstContent() (bool, error) {
	if !t.fresh || t.cur == nil {
		return false, nil
	}
	if size, err := t.cur.size(); err != nil || size == 0 {
		return false, err
	}
	t.fresh = false
	if t.succ != nil || len(t.queue) > 0 {
		return false, nil
	}
	fl := t.cur
	if !t.queueBefore(fl) || len(t.queue) == 0 {
		return false, nil
	}
	next := t.queue[0]
	t.queue = t.queue[1:]
	t.succ, t.live = fl, false
	return true, t.start(next, next.id, 0)
}
