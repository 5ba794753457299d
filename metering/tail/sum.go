package tail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// Sum identifies a finished file by its whole content, where Identity only
// looks at its first bytes: two files that start alike but differ further
// on (a copy of a log with another domain) have different Sums. A
// compressed file has the Sum of its uncompressed content, so a rotated
// file is recognised after compression.
type Sum struct {
	File   Identity // as Identify returns it
	Size   int64    // uncompressed bytes
	SHA256 string   // hex SHA-256 of the uncompressed content
	// Holds reports whether the file holds the Position SumFile was given:
	// it starts as the Position's file and is at least as long as its
	// offset. AtSHA256 is then the hex SHA-256 of the content up to that
	// offset, for a caller that knows the content read there.
	Holds    bool
	AtSHA256 string
}

// SumFile reads the file at path, plain or compressed, to its end and
// returns its Sum. With a Position that is not zero, it also tells whether
// the file holds it (the same file, or one that continues it), to resume
// there. ctx is checked as the file is read.
func SumFile(ctx context.Context, path string, pos Position) (Sum, error) {
	fl, err := openFile(path)
	if err != nil {
		return Sum{}, fmt.Errorf("read %s: %w", path, err)
	}
	defer fl.close()
	r, err := fl.reader(0)
	if err != nil {
		return Sum{}, fmt.Errorf("read %s: %w", path, err)
	}
	s := Sum{File: fl.id}
	h := sha256.New()
	at := int64(-1)
	if !pos.IsZero() && pos.File.FPLen > 0 && pos.File.matchesPrefix(fl.head) {
		at = pos.Offset
	}
	if at > 0 {
		n, err := copyCtx(ctx, h, r, at)
		s.Size = n
		if err != nil && !errors.Is(err, io.EOF) {
			return s, fmt.Errorf("read %s: %w", path, err)
		}
		if n == at {
			s.Holds, s.AtSHA256 = true, hex.EncodeToString(h.Sum(nil))
		}
	}
	if at == 0 {
		s.Holds, s.AtSHA256 = true, hex.EncodeToString(h.Sum(nil))
	}
	n, err := copyCtx(ctx, h, r, -1)
	s.Size += n
	if err != nil && !errors.Is(err, io.EOF) {
		return s, fmt.Errorf("read %s at %d: %w", path, s.Size, err)
	}
	s.SHA256 = hex.EncodeToString(h.Sum(nil))
	return s, nil
}

// copyCtx copies up to limit bytes (all with limit < 0) from r to w,
// checking ctx between reads. It returns io.EOF when r ends first.
func copyCtx(ctx context.Context, w io.Writer, r io.Reader, limit int64) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	for limit < 0 || n < limit {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		b := buf
		if limit >= 0 && int64(len(b)) > limit-n {
			b = b[:limit-n]
		}
		m, err := r.Read(b)
		w.Write(b[:m])
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
