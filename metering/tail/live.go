package tail

import (
	"bytes"
	"io"
	"os"
)

// liveFiles is what Stats needs to measure the lag when it is called, not
// when the Tailer last published: a collector behind its log, busy
// committing or waiting for a wake-up that does not come, would otherwise
// show the lag of its last read. The files are the Tailer's own open
// files: an *os.File may be stat()ed from any goroutine, and after Close
// it only fails.
type liveFiles struct {
	path    string
	cur     *os.File // the file being read, nil if none
	read    int64    // bytes of cur consumed, on its on-disk scale
	waiting []*os.File
	// newest is the file lines are written to, as known at the last
	// publish (nil if unknown or compressed); a newer file at path found
	// by Stats takes its place.
	newest *os.File
}

// liveOf returns the Tailer's liveFiles; called by publish.
func (t *Tailer) liveOf(read int64) liveFiles {
	lf := liveFiles{path: t.path, read: read}
	if t.cur == nil {
		return lf
	}
	lf.cur = t.cur.f
	for _, f := range t.queue {
		lf.waiting = append(lf.waiting, f.f)
	}
	newest := t.cur
	if n := len(t.queue); n > 0 {
		newest = t.queue[n-1]
	}
	if !t.live && t.succ != nil {
		lf.waiting = append(lf.waiting, t.succ.f)
		newest = t.succ
	}
	if !newest.compressed {
		lf.newest = newest.f
	}
	return lf
}

// measure returns s with Size, Read and Lag measured now. A file that can
// no longer be stat()ed keeps the published figures.
func (lf liveFiles) measure(s Stats) Stats {
	if lf.cur == nil {
		if fi, err := os.Stat(lf.path); lf.path != "" && err == nil && fi.Mode().IsRegular() {
			s.Lag = fi.Size() // appeared since: read from its start
		}
		return s
	}
	fi, err := lf.cur.Stat()
	if err != nil {
		return s
	}
	s.Size = fi.Size()
	s.Read = min(lf.read, s.Size)
	s.Lag = s.Size - s.Read
	for _, f := range lf.waiting {
		if fi, err := f.Stat(); err == nil {
			s.Lag += fi.Size()
		}
	}
	if f := lf.unseen(); f != nil {
		s.Lag += f.Size()
	}
	return s
}

// unseen returns the FileInfo of the file at path when it is none of the
// Tailer's files (rotated in since the Tailer last looked), else nil.
func (lf liveFiles) unseen() os.FileInfo {
	at, err := os.Stat(lf.path)
	if err != nil {
		return nil
	}
	for _, f := range append([]*os.File{lf.cur}, lf.waiting...) {
		if fi, err := f.Stat(); err == nil && os.SameFile(fi, at) {
			return nil
		}
	}
	return at
}

// lastLineBytes bounds how far from its end a file is searched for its
// last complete line.
const lastLineBytes = 16 << 10

// NewestLine returns the last complete line of the file the log is written
// to (the file at the path, read or not), without its newline; nil when
// there is none in its last 16 KiB, or it is compressed. It is safe to call
// from any goroutine: with the Tailer's Stats it tells how far behind the
// log the reader is, in time.
func (t *Tailer) NewestLine() []byte {
	t.mu.Lock()
	lf := t.lf
	t.mu.Unlock()
	if at := lf.unseen(); at != nil {
		f, err := os.Open(lf.path)
		if err != nil {
			return nil
		}
		defer f.Close()
		return lastLine(f)
	}
	if lf.newest == nil {
		return nil
	}
	return lastLine(lf.newest)
}

// lastLine returns the last newline-terminated line of f, without the
// newline (and a CR before it), or nil.
func lastLine(f *os.File) []byte {
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return nil
	}
	n := min(fi.Size(), lastLineBytes)
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, fi.Size()-n); err != nil && err != io.EOF {
		return nil
	}
	end := bytes.LastIndexByte(buf, '\n')
	if end < 0 {
		return nil
	}
	start := bytes.LastIndexByte(buf[:end], '\n') + 1
	if start == 0 && n < fi.Size() {
		return nil // the line starts before what was read
	}
	return bytes.TrimSuffix(buf[start:end], []byte("\r"))
}
