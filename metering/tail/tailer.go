package tail

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"

	"github.com/mailmeter/mailmeter/metering"
)

// Tailer reads the lines of one path, following it across rotations. It is
// driven by one goroutine; only Stats, Lag and NewestLine may be called
// concurrently.
type Tailer struct {
	path   string
	opts   Options
	waiter Waiter
	closer io.Closer // the default Waiter, closed by Close

	cur      *file    // the file being read; nil while the path is missing
	live     bool     // cur is the file at path, as far as known
	done     bool     // cur is finished: deliver its unterminated rest, move on
	eof      bool     // cur was read to its end: check it before reading on
	fresh    bool     // cur was empty when started, and not seen written since
	dropRest bool     // cur ended in an error: drop its unterminated rest
	queue    []*file  // rotated files to read after cur, oldest first
	succ     *file    // the file at path replacing cur, once seen
	anchor   Identity // the last file with content read, to order rotated files
	lr       lineReader
	pos      Position
	pending  error // a *GapError for the next call of Next
	closed   bool
	count    Stats // counters, owned by Next's goroutine

	mu    sync.Mutex
	stats Stats     // published copy of count
	lf    liveFiles // the files Stats measures
}

// Open returns a Tailer of path that resumes at pos (the zero Position
// starts at the beginning of the file at path). A missing path is not an
// error: Next waits for it to appear.
//
// If pos's file is no longer at path, it is searched for among the rotated
// files (Options.Rotated) by fingerprint, read from pos's offset, and followed
// by the newer rotated files, then by the file at path. If it cannot be
// found, its remaining lines are lost: the first Next returns a *GapError and
// reading starts at the beginning of the file at path. Starting there rather
// than at the oldest rotated file never counts a line twice, which matters
// more for billing than counting every line.
//
// Open returns a metering Invalid error for bad options or a Position taken
// from another path, and an error if the files cannot be read.
func Open(path string, pos Position, opts Options) (*Tailer, error) {
	if err := checkOpen(path, pos, opts); err != nil {
		return nil, err
	}
	t := &Tailer{path: path, opts: opts.withDefaults(path)}
	t.lr.max = t.opts.MaxLineBytes
	t.waiter = t.opts.Waiter
	if t.waiter == nil {
		t.waiter = t.defaultWaiter()
	}
	if err := t.resume(pos); err != nil {
		t.Close()
		return nil, err
	}
	t.publish()
	return t, nil
}

// checkOpen validates Open's arguments.
func checkOpen(path string, pos Position, opts Options) error {
	if path == "" {
		return metering.FieldError("path", "empty path")
	}
	if err := opts.Validate(); err != nil {
		return err
	}
	if err := pos.validate(); err != nil {
		return err
	}
	if pos.Path != "" && pos.Path != path {
		return metering.FieldError("position", "position of %s given for %s", pos.Path, path)
	}
	return nil
}

// defaultWaiter watches the directory, or polls if it cannot.
func (t *Tailer) defaultWaiter() Waiter {
	w, err := NewWatcher(t.path, t.opts.PollInterval)
	if err != nil {
		return Poller{Interval: t.opts.PollInterval}
	}
	t.closer = w
	return w
}

// Close releases the files and the default Waiter. Next then returns a
// metering Conflict error.
func (t *Tailer) Close() error {
	if t.closed {
		return nil
	}
	t.closed = true
	t.mu.Lock()
	t.lf = liveFiles{}
	t.mu.Unlock()
	t.cur.close()
	t.succ.close()
	for _, f := range t.queue {
		f.close()
	}
	t.cur, t.succ, t.queue = nil, nil, nil
	if t.closer != nil {
		return t.closer.Close()
	}
	return nil
}

// start makes fl, read from off, the current file, at Position (id, off).
func (t *Tailer) start(fl *file, id Identity, off int64) error {
	src, err := fl.reader(off)
	if err != nil {
		fl.close()
		t.cur = nil
		return fmt.Errorf("tail %s: open %s at %d: %w", t.path, fl.name, off, err)
	}
	t.cur, t.done, t.dropRest, t.eof = fl, false, false, false
	t.lr.verify = t.verifyLive
	t.fresh = off == 0 && id.FPLen == 0 && !fl.compressed
	t.lr.reset(src, off)
	t.pos = Position{Path: t.path, File: id, Offset: off}
	return nil
}

// openPath opens the file at path, if there is one, as the current file.
func (t *Tailer) openPath() (bool, error) {
	fl, err := openFile(t.path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("tail %s: %w", t.path, err)
	}
	if t.queueBefore(fl) && len(t.queue) > 0 {
		// Rotated since the last file read was finished: read those first.
		next := t.queue[0]
		t.queue, t.succ = t.queue[1:], fl
		return true, t.start(next, next.id, 0)
	}
	t.live = true
	return true, t.start(fl, fl.id, 0)
}

// gap counts and returns a GapError.
func (t *Tailer) gap(id Identity, off int64, reason string, err error) error {
	t.count.Gaps++
	return &GapError{Path: t.path, File: id, Offset: off, Reason: reason, Err: err}
}

// verifyLive checks, after each read of the file at path, that it still
// starts as it did: a file truncated (copytruncate) and written again just
// before a read would otherwise be read from the middle of its new content.
// A file truncated just after the read is taken for one truncated before it;
// either way the lines are then read from the rotated copy.
func (t *Tailer) verifyLive() bool {
	if !t.live || t.cur == nil || t.cur.compressed {
		return true
	}
	same, err := t.refreshCur()
	return err == nil && same
}
