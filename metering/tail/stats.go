package tail

// Stats describes a Tailer's progress, for metrics and progress bars.
type Stats struct {
	Position Position // just after the last line delivered
	Size     int64    // on-disk size of the file being read (compressed, for gzip)
	Read     int64    // bytes of it consumed, on the same scale as Size
	// Lag is the number of bytes not yet delivered: Size-Read plus the sizes
	// of the files waiting to be read after it.
	Lag int64

	Lines       int64 // lines delivered
	Bytes       int64 // bytes delivered, without newlines
	Truncated   int64 // lines delivered truncated to MaxLineBytes
	Skipped     int64 // lines longer than MaxLineBytes skipped
	Files       int64 // files read to their end and left behind
	Truncations int64 // truncations (copytruncate) noticed
	Gaps        int64 // GapErrors reported
}

// Stats returns the state as of the end of the last call of Next, or of the
// last time it waited, but for Size, Read and Lag: those are measured
// against the files' sizes now, a file rotated in at the path and not yet
// seen included, so the lag shows while the reader is busy or asleep. It
// is safe to call from any goroutine.
func (t *Tailer) Stats() Stats {
	t.mu.Lock()
	s, lf := t.stats, t.lf
	t.mu.Unlock()
	return lf.measure(s)
}

// Lag returns how many bytes lie behind the last line delivered (see
// Stats.Lag).
func (t *Tailer) Lag() int64 { return t.Stats().Lag }

// Refresh updates Stats, the lag above all, from the files' current sizes
// without reading them: for an owner that does not call Next for a while,
// such as a collector waiting for its database. Like Next, it must be called
// from the goroutine that drives the Tailer.
func (t *Tailer) Refresh() {
	if !t.closed {
		t.publish()
	}
}

// publish refreshes the copy Stats returns.
func (t *Tailer) publish() {
	s := t.count
	s.Position = t.pos
	s.Size, s.Read = t.progress()
	s.Lag = s.Size - s.Read
	for _, f := range t.queue {
		s.Lag += sizeOf(f)
	}
	if t.cur != nil && !t.live {
		s.Lag += sizeOf(t.succ)
	}
	lf := t.liveOf(s.Read)
	t.mu.Lock()
	t.stats, t.lf = s, lf
	t.mu.Unlock()
}

// progress returns the size of the current file and how much of it was
// delivered.
func (t *Tailer) progress() (size, read int64) {
	if t.cur == nil {
		return 0, 0
	}
	size = sizeOf(t.cur)
	read = t.pos.Offset
	if t.cur.compressed && t.cur.raw != nil {
		read = t.cur.raw.n
	}
	return size, min(read, size)
}

// sizeOf returns the size of fl, 0 if it is nil or cannot be had.
func sizeOf(fl *file) int64 {
	if fl == nil {
		return 0
	}
	size, err := fl.size()
	if err != nil {
		return 0
	}
	return size
}
