package tail

import (
	"bytes"
	"errors"
	"io"
)

// readSize is the initial buffer size of a lineReader.
const readSize = 256 << 10

// lineReader splits a byte stream into lines, tracking the offset of the first
// byte not yet committed. A line longer than max is reduced to its first max
// bytes while the rest is read and discarded, so memory stays bounded.
//
// peek returns the next line without consuming it; commit consumes the line
// last returned by peek or rest.
type lineReader struct {
	src    io.Reader
	buf    []byte
	r, w   int   // unread bytes are buf[r:w]
	seen   int   // buf[r:r+seen] holds no newline
	peeked int   // bytes (with newline) of the line last peeked
	off    int64 // stream offset just after the last committed line
	rd     int64 // stream offset of buf[w]: bytes taken from src
	max    int

	// verify, if set, is asked after each read whether the source is still
	// the stream it was; if not, what was just read is dropped and peek
	// returns errRewritten.
	verify func() bool

	inLong   bool   // an over-long line is pending
	longDone bool   // its newline has been found
	long     []byte // its first max bytes
	longN    int64  // its bytes consumed so far, with the newline once done
}

// reset makes lr read src, which is positioned at off, discarding any state.
func (lr *lineReader) reset(src io.Reader, off int64) {
	if lr.buf == nil {
		lr.buf = make([]byte, readSize)
	}
	lr.src = src
	lr.r, lr.w, lr.seen, lr.peeked = 0, 0, 0, 0
	lr.off, lr.rd = off, off
	lr.inLong, lr.longDone, lr.longN = false, false, 0
}

// peek returns the next complete line, without its newline or a CR before
// it, and whether it was truncated. ok is false when src has no complete
// line now; err is then src's error, nil for io.EOF. The line is valid until
// the next call.
func (lr *lineReader) peek() (line []byte, truncated, ok bool, err error) {
	for {
		if lr.inLong {
			if lr.longDone {
				return lr.long, true, true, nil
			}
			if i := bytes.IndexByte(lr.buf[lr.r:lr.w], '\n'); i >= 0 {
				lr.longN += int64(i + 1)
				lr.r += i + 1
				lr.longDone = true
				continue
			}
			lr.longN += int64(lr.w - lr.r)
			lr.r = lr.w
		} else {
			if i := bytes.IndexByte(lr.buf[lr.r+lr.seen:lr.w], '\n'); i >= 0 {
				end := lr.r + lr.seen + i
				lr.peeked = end + 1 - lr.r
				if end-lr.r > lr.max {
					return lr.buf[lr.r : lr.r+lr.max], true, true, nil
				}
				return trimCR(lr.buf[lr.r:end]), false, true, nil
			}
			lr.seen = lr.w - lr.r
			if lr.seen > lr.max {
				lr.startLong()
				continue
			}
		}
		n, err := lr.fill()
		if n == 0 {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			return nil, false, false, err
		}
	}
}

// scan passes the complete lines already buffered to b while they fit,
// stopping at a long or unterminated line, and reports whether it passed
// any. It does what peek and commit do, line by line, faster.
func (lr *lineReader) scan(b *batch) bool {
	if lr.inLong || lr.seen > 0 {
		return false
	}
	buf, r := lr.buf[:lr.w], lr.r
	for b.n < b.maxLines {
		i := bytes.IndexByte(buf[r:], '\n')
		if i < 0 || i > lr.max {
			break
		}
		line := trimCR(buf[r : r+i])
		if b.n > 0 && b.bytes+len(line) > b.maxBytes {
			b.full = true
			break
		}
		b.fn(line)
		r += i + 1
		b.n++
		b.bytes += len(line)
		if b.bytes >= b.maxBytes {
			b.full = true
			break
		}
	}
	if b.n >= b.maxLines {
		b.full = true
	}
	if r == lr.r {
		return false
	}
	lr.off += int64(r - lr.r)
	lr.r = r
	return true
}

// startLong keeps the first max bytes of the pending line and drops the rest.
func (lr *lineReader) startLong() {
	lr.inLong, lr.longDone = true, false
	lr.long = append(lr.long[:0], lr.buf[lr.r:lr.r+lr.max]...)
	lr.longN = int64(lr.w - lr.r)
	lr.r, lr.seen = lr.w, 0
}

// rest returns the unterminated bytes at the end of the stream as a line, for
// a stream known to be finished; ok is false if there are none.
func (lr *lineReader) rest() (line []byte, truncated, ok bool) {
	if lr.inLong {
		lr.longDone = true
		return lr.long, true, true
	}
	if lr.r == lr.w {
		return nil, false, false
	}
	lr.peeked = lr.w - lr.r
	if lr.peeked > lr.max {
		return lr.buf[lr.r : lr.r+lr.max], true, true
	}
	return trimCR(lr.buf[lr.r:lr.w]), false, true
}

// commit consumes the line last returned by peek or rest.
func (lr *lineReader) commit() {
	if lr.inLong {
		lr.off += lr.longN
		lr.inLong, lr.longDone, lr.longN = false, false, 0
		return
	}
	lr.r += lr.peeked
	lr.off += int64(lr.peeked)
	lr.peeked, lr.seen = 0, 0
}

// fill reads more of src into buf, making room first.
func (lr *lineReader) fill() (int, error) {
	if lr.r == lr.w {
		lr.r, lr.w = 0, 0
	}
	if lr.w == len(lr.buf) {
		if lr.r > 0 {
			lr.w = copy(lr.buf, lr.buf[lr.r:lr.w])
			lr.r = 0
		} else {
			lr.buf = append(lr.buf, make([]byte, len(lr.buf))...)
		}
	}
	n, err := lr.src.Read(lr.buf[lr.w:])
	if n > 0 && lr.verify != nil && !lr.verify() {
		return 0, errRewritten
	}
	lr.w += n
	lr.rd += int64(n)
	if n > 0 {
		return n, nil
	}
	return 0, err
}

// errRewritten says that a file changed under the reader (truncated and
// written again) while it was read: what was read is not trusted.
const errRewritten = constError("file rewritten while read")

// constError is an error that can be a constant.
type constError string

func (e constError) Error() string { return string(e) }

// trimCR drops one trailing carriage return.
func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}
