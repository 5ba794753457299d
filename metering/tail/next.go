package tail

import (
	"context"
	"errors"
	"fmt"

	"github.com/mailmeter/mailmeter/metering"
)

// batch is what one call of Next may still deliver.
type batch struct {
	maxLines, maxBytes int
	fn                 func([]byte)
	n, bytes           int
	full               bool
}

// Next calls fn for each of the next complete lines, without the newline (and
// a CR before it), at most maxLines of them and at most maxBytes bytes in
// all (at least one line, however long). It returns the Position just after
// the last line delivered. The slice passed to fn is valid only during the
// call.
//
// Next blocks, through the Waiter, until at least one line is available or
// ctx ends; it then returns ctx's error, or whatever error the Waiter
// returned, with the Position unchanged.
//
// A *GapError is returned alone, with the Position where reading resumes,
// and is not fatal. Other errors (a file that cannot be read) are returned
// when no line was delivered in the call, at once and again on every call
// while the cause lasts: retrying is safe, with a pause. Next returns a
// metering Invalid error for bad arguments, and a metering Conflict error
// after Close.
func (t *Tailer) Next(ctx context.Context, maxLines, maxBytes int, fn func(line []byte)) (Position, error) {
	if err := checkNext(maxLines, maxBytes, fn); err != nil {
		return t.pos, err
	}
	if t.closed {
		return t.pos, metering.Errorf(metering.Conflict, "tail %s: tailer closed", t.path)
	}
	defer t.publish()
	if err := t.prepare(ctx); err != nil {
		return t.pos, err
	}
	b := batch{maxLines: maxLines, maxBytes: maxBytes, fn: fn}
	return t.fill(ctx, &b)
}

// prepare starts a call of Next: it returns ctx's error or a pending gap.
// (What is read from the live file is checked as it is read.)
func (t *Tailer) prepare(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := t.pending; err != nil {
		t.pending = nil
		return err
	}
	_, err := t.firstContent()
	return err
}

// fill reads into b, moving from file to file and waiting as needed, until
// b has lines and no more are at hand, or b is full.
func (t *Tailer) fill(ctx context.Context, b *batch) (Position, error) {
	var stuck progress
	for {
		if t.cur != nil && !t.done && !t.eof {
			if err := t.readLines(b); err != nil {
				return t.stop(b, err)
			}
			if b.full {
				return t.pos, nil
			}
			t.eof = true // what follows its end is checked before it is read
			if b.n > 0 {
				return t.pos, nil
			}
		}
		moved, err := t.advance(b)
		switch {
		case err != nil:
			return t.stop(b, err)
		case b.full:
			return t.pos, nil
		case moved && !stuck.again(t):
			t.eof = false
			continue
		case b.n > 0:
			return t.pos, nil
		}
		stuck = progress{}
		t.publish()
		if err := t.waiter.Wait(ctx); err != nil {
			return t.pos, err
		}
	}
}

// checkNext validates Next's arguments.
func checkNext(maxLines, maxBytes int, fn func([]byte)) error {
	switch {
	case maxLines < 1:
		return metering.FieldError("max_lines", "must be positive, not %d", maxLines)
	case maxBytes < 1:
		return metering.FieldError("max_bytes", "must be positive, not %d", maxBytes)
	case fn == nil:
		return metering.FieldError("fn", "no line function")
	}
	return nil
}

// stop ends a call on err. If lines were delivered they are returned first:
// a gap is then reported by the next call, and other errors recur by
// themselves.
func (t *Tailer) stop(b *batch, err error) (Position, error) {
	if b.n == 0 {
		return t.pos, err
	}
	if gap := (*GapError)(nil); errors.As(err, &gap) {
		t.pending = err
	}
	return t.pos, nil
}

// readLines delivers lines of the current file until the batch is full or
// no complete line is left.
func (t *Tailer) readLines(b *batch) error {
	defer t.strengthen()
	for !b.full {
		if t.deliverBuffered(b) {
			continue
		}
		line, truncated, ok, err := t.lr.peek()
		if err != nil {
			return t.readError(err)
		}
		if !ok {
			return nil
		}
		t.deliver(b, line, truncated)
	}
	return nil
}

// strengthen extends the fingerprint of the current file, when it is shorter
// than FingerprintBytes and than the offset reached, so that a Position never
// rests on a fingerprint shorter than the lines it has passed.
func (t *Tailer) strengthen() {
	fl := t.cur
	if fl == nil || fl.compressed || fl.id.FPLen >= FingerprintBytes || int64(fl.id.FPLen) >= t.pos.Offset || t.pos.File != fl.id {
		return
	}
	t.refreshCur() // a mismatch is handled at the end of the file

}

// readError handles a failed read: a damaged or partly written compressed
// file is a gap, and the tailer goes on with the next file.
func (t *Tailer) readError(err error) error {
	if errors.Is(err, errRewritten) {
		return nil // at its end: advance finds out what happened
	}
	if !t.cur.compressed {
		return fmt.Errorf("tail %s: read %s: %w", t.path, t.cur.name, err)
	}
	t.done, t.dropRest = true, true
	return t.gap(t.pos.File, t.pos.Offset, "cannot decompress "+t.cur.name, err)
}

// deliverBuffered delivers the complete lines already in the buffer, the
// common case, without going through peek for each; it reports whether it
// delivered any.
func (t *Tailer) deliverBuffered(b *batch) bool {
	n, size := b.n, b.bytes
	if !t.lr.scan(b) {
		return false
	}
	t.pos.Offset = t.lr.off
	t.count.Lines += int64(b.n - n)
	t.count.Bytes += int64(b.bytes - size)
	return true
}

// deliver passes line to the batch if it fits, and reports whether it was
// consumed.
func (t *Tailer) deliver(b *batch, line []byte, truncated bool) bool {
	if truncated && t.opts.LongLines == Skip {
		t.lr.commit()
		t.pos.Offset = t.lr.off
		t.count.Skipped++
		return true
	}
	if b.n > 0 && b.bytes+len(line) > b.maxBytes {
		b.full = true
		return false
	}
	b.fn(line)
	t.lr.commit()
	t.pos.Offset = t.lr.off
	b.n++
	b.bytes += len(line)
	t.count.Lines++
	t.count.Bytes += int64(len(line))
	if truncated {
		t.count.Truncated++
	}
	b.full = b.n >= b.maxLines || b.bytes >= b.maxBytes
	return true
}

// progress notices a loop that keeps moving on without reading anything (a
// file whose size says there is more to read than reads return), so that
// it waits instead of spinning.
type progress struct {
	cur   *file
	rd    int64
	times int
}

// again reports whether t is where it was the last few times.
func (p *progress) again(t *Tailer) bool {
	if t.cur != p.cur || t.lr.rd != p.rd || t.done {
		*p = progress{cur: t.cur, rd: t.lr.rd}
		return false
	}
	p.times++
	return p.times > 3
}
