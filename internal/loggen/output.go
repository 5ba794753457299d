package loggen

import (
	"io"
	"strconv"
	"time"
)

// chunkSize is how many bytes the output gathers before one Write.
const chunkSize = 64 << 10

// output gathers lines into a chunk and writes it out in large Writes. It
// stops accepting lines at the line limit or after a write error.
type output struct {
	w        io.Writer
	buf      []byte
	start    int   // start of the line being built in buf
	lines    int64 // lines completed
	bytes    int64 // bytes completed
	maxLines int64 // 0 = no limit
	every    int64 // flush every this many lines, 0 = by chunk
	pace     func(at time.Time)
	err      error
	stamp    stamper
}

func newOutput(w io.Writer, maxLines int64, st stamper) *output {
	return &output{w: w, buf: make([]byte, 0, chunkSize+4096), maxLines: maxLines, stamp: st}
}

// full reports whether no more lines may be written.
func (o *output) full() bool {
	return o.err != nil || (o.maxLines > 0 && o.lines >= o.maxLines)
}

// begin starts a line stamped at t (µs since the start). It returns false,
// writing nothing, when no more lines may be written; the caller must then
// skip the line and everything the line would have counted.
func (o *output) begin(t int64) bool {
	if o.full() {
		return false
	}
	if o.pace != nil {
		o.flush()
		o.pace(o.stamp.start.Add(microseconds(t)))
	}
	o.start = len(o.buf)
	o.buf = o.stamp.append(o.buf, t)
	return true
}

// end finishes the line begun by begin.
func (o *output) end() {
	o.buf = append(o.buf, '\n')
	o.lines++
	o.bytes += int64(len(o.buf) - o.start)
	if len(o.buf) >= chunkSize || (o.every > 0 && o.lines%o.every == 0) {
		o.flush()
	}
}

func (o *output) flush() {
	if o.err == nil && len(o.buf) > 0 {
		_, o.err = o.w.Write(o.buf)
	}
	o.buf = o.buf[:0]
}

func (o *output) str(s string) { o.buf = append(o.buf, s...) }

// strs appends each part, sparing the caller a concatenation.
func (o *output) strs(parts ...string) {
	for _, s := range parts {
		o.buf = append(o.buf, s...)
	}
}

func (o *output) int(n int64) { o.buf = strconv.AppendInt(o.buf, n, 10) }

// stamper formats line envelopes, caching the part that changes once a
// second.
type stamper struct {
	start   time.Time
	style   int // stampBSD, stampBSDZero, stampRFC3339, stampExim
	millis  bool
	suffix  string // after the stamp: " host " or " "
	lastSec int64
	sec     []byte // stamp text up to and including the seconds
	zone    []byte // RFC 3339 offset, "+00:00"
}

const (
	stampBSD = iota
	stampBSDZero
	stampRFC3339
	stampExim
)

func newStamper(start time.Time, style int, millis bool, suffix string) stamper {
	return stamper{start: start, style: style, millis: millis, suffix: suffix, lastSec: -1 << 62}
}

func (s *stamper) append(b []byte, us int64) []byte {
	sec := floorDiv(us, 1e6)
	if sec != s.lastSec {
		s.refresh(sec)
	}
	b = append(b, s.sec...)
	frac := us - sec*1e6
	switch {
	case s.style == stampRFC3339:
		b = append(b, '.')
		b = appendPadded(b, frac, 6)
		b = append(b, s.zone...)
	case s.style == stampExim && s.millis:
		b = append(b, '.')
		b = appendPadded(b, frac/1000, 3)
	}
	return append(b, s.suffix...)
}

func (s *stamper) refresh(sec int64) {
	s.lastSec = sec
	t := s.start.Add(time.Duration(sec) * time.Second)
	switch s.style {
	case stampBSD:
		s.sec = t.AppendFormat(s.sec[:0], time.Stamp)
	case stampBSDZero:
		s.sec = t.AppendFormat(s.sec[:0], "Jan 02 15:04:05")
	case stampRFC3339:
		s.sec = t.AppendFormat(s.sec[:0], "2006-01-02T15:04:05")
		s.zone = t.AppendFormat(s.zone[:0], "-07:00")
	default:
		s.sec = t.AppendFormat(s.sec[:0], time.DateTime)
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// appendPadded appends n zero-padded to width digits.
func appendPadded(b []byte, n int64, width int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for n > 0 || i > len(tmp)-width {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, tmp[i:]...)
}
