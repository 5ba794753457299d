package tail

import (
	"bytes"
	"fmt"
)

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
	if len(t.queue) == 0 {
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
	// Nothing yet at path: wait for it, the Position still at the end of
	// the finished file (which a restart finds, and goes on from).
	t.live = false
	return true, nil
}

// queueBefore queues the rotated files newer than cur and older than succ
// (the file at path, opened into t.succ after the listing if nil):
// files rotated after cur was left behind, or copies of succ taken before
// it was truncated. Empty files are left out: they hold no lines and cannot
// be told apart, so the last file with content read (the anchor) stands for
// cur. It reports whether the anchor was found among the rotated files,
// which is what tells newer files from older ones.
func (t *Tailer) queueBefore(succ *file) bool {
	if t.anchor.IsZero() {
		return false
	}
	before := bytes.Clone(headOf(succ))
	for range maxListings {
		self, newer := t.locate(t.anchor, 0)
		if self == nil {
			closeAll(newer)
			return false
		}
		self.close()
		if succ == nil {
			// Looked for after the listing, so that a copy of it in the
			// listing (copytruncate under way) is known for one.
			t.succ = t.openSuccessor()
			succ = t.succ
		}
		head := headOf(succ)
		if bytes.HasPrefix(head, before) {
			t.queue = append(t.queue, filesBefore(newer, succ, head)...)
			return true
		}
		// succ was truncated and written again during the listing: its
		// copy may have been made after it, so list again.
		closeAll(newer)
		before = bytes.Clone(head)
	}
	return false
}

// openSuccessor opens the file at path to follow cur, or returns nil if
// there is none (or it cannot be opened: it is looked for again later) or
// it is cur itself.
func (t *Tailer) openSuccessor() *file {
	fl, err := openFile(t.path)
	if err != nil {
		return nil
	}
	if t.cur != nil && fl.id.sameInode(t.cur.id) {
		fl.close()
		return nil
	}
	return fl
}

// filesBefore returns the files of newer (oldest first) that come before
// succ, the file at path (nil if none), whose first bytes now are head:
// those up to succ or a copy of it, leaving out empty ones. It closes the
// others.
func filesBefore(newer []*file, succ *file, head []byte) []*file {
	var out []*file
	for _, f := range upTo(newer, succ, head) {
		if len(f.head) == 0 {
			f.close()
			continue
		}
		out = append(out, f)
	}
	return out
}

// upTo returns the files of newer (oldest first) before succ, the file at
// path (nil if none) whose first bytes now are head, or before a copy of
// it, and closes the others: succ may have been rotated into the listing
// since it was opened, and is read as succ, once.
func upTo(newer []*file, succ *file, head []byte) []*file {
	for i, f := range newer {
		if (succ != nil && f.id.sameInode(succ.id)) || samePrefix(f.head, head) {
			closeAll(newer[i:])
			return newer[:i]
		}
	}
	return newer
}

// headOf re-reads and returns the first bytes of fl, nil if there is no
// file or they cannot be read.
func headOf(fl *file) []byte {
	if fl == nil || fl.readHead() != nil {
		return nil
	}
	return fl.head
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
