package tail

import (
	"errors"
	"fmt"
	"io/fs"
)

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
	if t.readCopy(from, next) {
		return true, nil
	}
	old.close()
	t.cur, t.live, t.succ = nil, false, nil
	gap := t.gap(t.pos.File, t.pos.Offset, "file truncated and no rotated copy of it found; reading it from its start", nil)
	t.pos = Position{Path: t.path}
	switch {
	case len(t.queue) > 0:
		first := t.queue[0]
		t.queue, t.succ = t.queue[1:], next
		if err := t.start(first, first.id, 0); err != nil {
			return false, err
		}
	case next != nil:
		t.live = true
		if err := t.start(next, next.id, 0); err != nil {
			return false, err
		}
	}
	return true, gap
}

// readCopy looks for the rotated copy of the current file and, if found,
// goes on reading from offset from in it, then in the files rotated after
// it, then in next.
func (t *Tailer) readCopy(from int64, next *file) bool {
	cp, newer := t.locate(t.cur.id, from)
	if cp == nil {
		return false
	}
	src, err := cp.reader(from)
	if err != nil {
		cp.close()
		closeAll(newer)
		return false
	}
	t.cur.close()
	closeAll(t.queue)
	cp.sealed = true
	t.cur, t.live, t.succ, t.queue = cp.file, false, next, upTo(newer, next, headOf(next))
	t.lr.src = src
	t.pos.File = withHead(t.pos.File, cp.id)
	return true
}
