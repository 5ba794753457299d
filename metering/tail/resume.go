package tail

import (
	"errors"
	"fmt"
	"io/fs"
)

// resume positions a new Tailer at pos.
func (t *Tailer) resume(pos Position) error {
	cur, err := openFile(t.path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("tail %s: %w", t.path, err)
	}
	if pos.IsZero() {
		if t.opts.FromOldest && t.startOldest(cur) {
			return nil
		}
		return t.startLive(cur, cur.identity(), 0)
	}
	if cur != nil && cur.id.sameInode(pos.File) && pos.File.matchesPrefix(cur.head) && cur.longer(pos.Offset) {
		return t.startLive(cur, cur.id, pos.Offset)
	}
	if ok, err := t.resumeRotated(pos, cur); ok || err != nil {
		return err
	}
	if cur != nil && pos.File.FPLen > 0 && pos.File.matchesPrefix(cur.head) && cur.longer(pos.Offset) {
		// Same content, other inode: a restored or moved file.
		return t.startLive(cur, cur.id, pos.Offset)
	}
	t.pending = t.gap(pos.File, pos.Offset, "file not found at the path or among its rotated files; reading the current file from its start", nil)
	return t.startLive(cur, cur.identity(), 0)
}

// startLive starts reading cur, the file at path, if there is one.
func (t *Tailer) startLive(cur *file, id Identity, off int64) error {
	if cur == nil {
		t.pos = Position{Path: t.path}
		return nil
	}
	t.live = true
	return t.start(cur, id, off)
}

// resumeRotated looks for pos's file among the rotated files and, if found,
// starts there, with the newer rotated files and then cur queued after it.
func (t *Tailer) resumeRotated(pos Position, cur *file) (bool, error) {
	found, newer := t.locate(pos.File, pos.Offset)
	if found == nil {
		return false, nil
	}
	if !found.compressed && !found.id.sameInode(pos.File) {
		found.sealed = true // a copy: nothing more will be written to it
	}
	if err := t.start(found.file, withHead(pos.File, found.id), pos.Offset); err != nil {
		closeAll(newer)
		return false, nil // unreadable there (a short gzip file): not it
	}
	t.queue, t.succ = upTo(newer, cur, headOf(cur)), cur
	return true, nil
}

// identity returns fl's identity, the zero Identity for a nil file.
func (fl *file) identity() Identity {
	if fl == nil {
		return Identity{}
	}
	return fl.id
}

// longer reports whether the file has at least n bytes.
func (fl *file) longer(n int64) bool {
	size, err := fl.size()
	return err == nil && size >= n
}

// startOldest starts at the oldest rotated file with lines, queueing the
// newer ones and then cur, the file at path; it reports whether there was
// one.
func (t *Tailer) startOldest(cur *file) bool {
	rs := openRotated(t.path, t.opts.Rotated)
	for len(rs) > 0 && len(rs[len(rs)-1].head) == 0 {
		rs[len(rs)-1].close()
		rs = rs[:len(rs)-1]
	}
	if len(rs) == 0 {
		return false
	}
	oldest := rs[len(rs)-1]
	keep := map[*rotated]bool{oldest: true}
	var newer []*file
	for _, r := range newerFiles(rs, len(rs)-1) {
		keep[r] = true
		newer = append(newer, r.file)
	}
	for _, r := range rs {
		if !keep[r] {
			r.close()
		}
	}
	var head []byte
	if cur != nil {
		head = cur.head
	}
	if err := t.start(oldest.file, oldest.id, 0); err != nil {
		closeAll(newer)
		return false
	}
	t.queue, t.succ = filesBefore(newer, cur, head), cur
	return true
}
