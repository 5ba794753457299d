package tail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"

	"github.com/mailmeter/mailmeter/metering"
)

// ReadFile calls fn for each line of the file at path from Position from to
// the end, and returns the Position at the end. The file is plain or
// gzip-compressed (told by its first bytes, not its name); offsets count
// uncompressed bytes. The file is taken as complete: a last line without a
// newline is delivered. Long lines follow opts as for a Tailer; opts.Progress
// is called as the file is consumed. The slice passed to fn is valid only
// during the call.
//
// The zero from reads the whole file. Otherwise from must name this file (by
// fingerprint: a copy or a compressed version of it will do), and reading
// resumes at its offset. So a backfill interrupted after committing a
// Position resumes where it stopped, and one given the Position at the end
// of an earlier run delivers nothing and returns that Position again.
//
// ReadFile returns a metering Invalid error for bad options, a metering
// Conflict error if from names another file, and ctx's error if ctx ends
// first (checked between batches of lines, with the Position reached).
func ReadFile(ctx context.Context, path string, from Position, opts Options, fn func(line []byte)) (Position, error) {
	if err := opts.Validate(); err != nil {
		return from, err
	}
	if err := from.validate(); err != nil {
		return from, err
	}
	fl, err := openFile(path)
	if err != nil {
		return from, fmt.Errorf("read %s: %w", path, err)
	}
	defer fl.close()
	if !from.IsZero() && !from.File.matchesPrefix(fl.head) {
		return from, metering.Errorf(metering.Conflict, "read %s: position is for another file (%s, not %s)", path, from.File, fl.id)
	}
	return readAll(ctx, fl, from.Offset, opts.withDefaults(path), fn, nil)
}

// ReadFileSum is ReadFile of the whole file (from the zero Position) that
// also returns the file's Sum, as SumFile with the zero Position does, from
// the same reading: a file is read once to meter and identify it. The Sum
// is valid only when the error is nil.
func ReadFileSum(ctx context.Context, path string, opts Options, fn func(line []byte)) (Position, Sum, error) {
	if err := opts.Validate(); err != nil {
		return Position{}, Sum{}, err
	}
	fl, err := openFile(path)
	if err != nil {
		return Position{}, Sum{}, fmt.Errorf("read %s: %w", path, err)
	}
	defer fl.close()
	h := &summer{h: sha256.New()}
	end, err := readAll(ctx, fl, 0, opts.withDefaults(path), fn, h)
	return end, Sum{File: fl.id, Size: h.n, SHA256: hex.EncodeToString(h.h.Sum(nil))}, err
}

// StartsAs returns the identity of the file at path and reports whether
// the file starts as the file of pos does (by fingerprint), and so may
// hold pos: only then does SumFile of pos need to read the file before it
// is read for its lines. A zero pos names no file.
func StartsAs(path string, pos Position) (Identity, bool, error) {
	fl, err := openFile(path)
	if err != nil {
		return Identity{}, false, fmt.Errorf("read %s: %w", path, err)
	}
	defer fl.close()
	if pos.IsZero() || pos.File.FPLen == 0 {
		return fl.id, false, nil
	}
	return fl.id, pos.File.matchesPrefix(fl.head), nil
}

// summer hashes and counts the bytes read through it.
type summer struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (s *summer) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.h.Write(p[:n])
	s.n += int64(n)
	return n, err
}

// readAll reads fl from off to its end, through sum if it is not nil.
func readAll(ctx context.Context, fl *file, off int64, opts Options, fn func([]byte), sum *summer) (Position, error) {
	src, err := fl.reader(off)
	if err != nil {
		return Position{Path: fl.name, File: fl.id, Offset: off}, fmt.Errorf("read %s: %w", fl.name, err)
	}
	if sum != nil {
		sum.r, src = src, sum
	}
	r := &reading{fl: fl, opts: opts, fn: fn, total: sizeOf(fl)}
	r.lr.max = opts.MaxLineBytes
	r.lr.reset(src, off)
	for {
		if err := ctx.Err(); err != nil {
			return r.pos(), err
		}
		more, err := r.batch()
		if err != nil || !more {
			return r.pos(), err
		}
	}
}

// reading is the state of one ReadFile.
type reading struct {
	fl    *file
	opts  Options
	fn    func([]byte)
	lr    lineReader
	total int64
}

// pos returns the Position after the last line delivered.
func (r *reading) pos() Position {
	return Position{Path: r.fl.name, File: r.fl.id, Offset: r.lr.off}
}

// batch delivers up to a buffer's worth of lines and reports whether there
// may be more.
func (r *reading) batch() (bool, error) {
	for range 4096 {
		line, truncated, ok, err := r.lr.peek()
		if err != nil {
			return false, fmt.Errorf("read %s at %d: %w", r.fl.name, r.lr.off, err)
		}
		if !ok {
			line, truncated, ok = r.lr.rest()
			if ok {
				r.deliver(line, truncated)
			}
			r.progress()
			return false, nil
		}
		r.deliver(line, truncated)
	}
	r.progress()
	return true, nil
}

// deliver passes on one line according to the long line policy.
func (r *reading) deliver(line []byte, truncated bool) {
	if !truncated || r.opts.LongLines != Skip {
		r.fn(line)
	}
	r.lr.commit()
}

// progress reports how much of the file was consumed.
func (r *reading) progress() {
	if r.opts.Progress == nil {
		return
	}
	done := r.lr.rd
	if r.fl.raw != nil {
		done = r.fl.raw.n
	}
	r.opts.Progress(min(done, r.total), r.total)
}
