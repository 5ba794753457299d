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
	written, err := t.successorWritten()
	if err != nil {
		return false, err
	}
	size, err := t.cur.size()
	if err != nil {
		return false, fmt.Errorf("tail %s: %w", t.path, err)
	}
	if size < t.lr.rd {
		return t.truncated() // by copytruncate, before it was renamed
	}
	same, err := t.refreshCur()
	if err != nil {
		return false, fmt.Errorf("tail %s: %w", t.path, err)
	}
	switch {
	case !same:
		return t.truncated() // and written again, to the same size or more
	case size > t.lr.rd:
		return true, nil
	case written:
		t.done = true
		return true, nil
	}
	return t.rotatedPast()
}

// rotatedPast finishes cur, read to its end, when rotated files newer than
// it hold lines: the writer has moved past cur (several rotations while it
// was read, the file now at path still empty or missing), so those files are
// queued and read now rather than when a line is next written at path. A
// rotated copy of the file at path (copytruncate under way) is not one of
// them: the path is looked at again after the listing, and such a copy, and
// anything after it, is left for the truncation to find.
func (t *Tailer) rotatedPast() (bool, error) {
	if t.cur.id.FPLen == 0 || len(t.queue) > 0 {
		return false, nil
	}
	self, newer := t.locate(t.cur.id, 0)
	if self == nil {
		closeAll(newer)
		return false, nil
	}
	self.close()
	succ, err := t.successor()
	if err != nil || t.live {
		closeAll(newer)
		return false, err
	}
	var head []byte
	if succ != nil && succ.readHead() == nil {
		head = succ.head
	}
	for _, f := range newer {
		if f.id.sameInode(t.cur.id) { // not newer than itself: look again later
			closeAll(newer)
			return false, nil
		}
	}
	queue := filesBefore(newer, succ, head)
	if len(queue) == 0 {
		return false, nil
	}
	// The newer files were written after the writer left cur, so cur's
	// size now is final: lines added since it was last looked at (the
	// writer's last ones, and rotations since) are read first.
	if size, err := t.cur.size(); err != nil || size != t.lr.rd {
		closeAll(queue)
		return err == nil, err
	}
	t.queue = queue
	t.done = true
	return true, nil
}

// successorWritten reports whether the file to read after cur has been
// written to.
func (t *Tailer) successorWritten() (bool, error) {
	next, err := t.successor()
	if err != nil || next == nil {
		return false, err
	}
	size, err := next.size()
	if err != nil {
		return false, fmt.Errorf("tail %s: %w", t.path, err)
	}
	if !next.compressed && next.id.FPLen < FingerprintBytes && size > int64(next.id.FPLen) {
		// Fingerprint it as it grows, to notice if it is truncated
		// (copytruncate) before its turn comes.
		if _, err := next.refresh(); err != nil {
			return false, fmt.Errorf("tail %s: %w", t.path, err)
		}
	}
	return size > 0, nil
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
