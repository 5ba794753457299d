package tail

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// file is an open log file, plain or compressed (gzip, bzip2, xz or zstd).
type file struct {
	name       string // the name it was opened by
	f          *os.File
	id         Identity
	head       []byte // its first FingerprintBytes bytes (uncompressed), fewer if shorter
	codec      codec
	compressed bool      // codec != plain
	sealed     bool      // no more lines will be added: a compressed file or a copy
	mtime      time.Time // modification time when last checked
	// partial: a compressed stream that ends before its end, within its head
	partial bool

	raw      *countingReader // compressed bytes consumed, for a compressed file
	closeDec func()          // releases the decoder of reader, if any
}

// openFile opens name and identifies it. The error wraps os.ErrNotExist if
// there is no such file.
func openFile(name string) (*file, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	fl := &file{name: name, f: f}
	if err := fl.identify(); err != nil {
		f.Close()
		return nil, fmt.Errorf("identify %s: %w", name, err)
	}
	return fl, nil
}

// identify reads the inode numbers and the head of the file.
func (fl *file) identify() error {
	fi, err := fl.f.Stat()
	if err != nil {
		return err
	}
	fl.id.Dev, fl.id.Ino = inode(fi)
	magic := make([]byte, maxMagic+6)
	n, err := fl.f.ReadAt(magic, 0)
	if err != nil && err != io.EOF {
		return err
	}
	fl.codec = codecOf(magic[:n])
	fl.compressed = fl.codec != plain
	fl.sealed = fl.compressed
	if err := fl.readHead(); err != nil {
		return err
	}
	fl.id.FPLen, fl.id.FP = len(fl.head), fingerprint(fl.head)
	return nil
}

// readHead reads up to FingerprintBytes leading (uncompressed) bytes.
func (fl *file) readHead() error {
	src, done, err := fl.codec.decompress(io.NewSectionReader(fl.f, 0, 1<<62))
	if err != nil {
		if fl.compressed && truncated(err) {
			fl.partial = true // its header is not all written yet
			return nil
		}
		return err
	}
	defer done()
	head := make([]byte, FingerprintBytes)
	n := 0
	for n < len(head) {
		m, err := src.Read(head[n:])
		n += m
		if errors.Is(err, io.EOF) {
			break
		}
		if fl.compressed && truncated(err) {
			fl.partial = true // cut short: still being written, or damaged
			break
		}
		if err != nil {
			return err
		}
	}
	fl.head = head[:n]
	return nil
}

// refresh re-reads the head of a plain file that was shorter than
// FingerprintBytes, and reports whether it still starts as fl.id says. If so
// the identity is extended to the longer head.
func (fl *file) refresh() (bool, error) {
	if err := fl.readHead(); err != nil {
		return false, err
	}
	if !fl.id.matchesPrefix(fl.head) {
		return false, nil
	}
	fl.id.FPLen, fl.id.FP = len(fl.head), fingerprint(fl.head)
	return true, nil
}

// reader returns a reader of the uncompressed content from offset off.
func (fl *file) reader(off int64) (io.Reader, error) {
	if !fl.compressed {
		if _, err := fl.f.Seek(off, io.SeekStart); err != nil {
			return nil, err
		}
		return fl.f, nil
	}
	fl.raw = &countingReader{r: io.NewSectionReader(fl.f, 0, 1<<62)}
	zr, done, err := fl.codec.decompress(fl.raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fl.codec, err)
	}
	if fl.closeDec != nil {
		fl.closeDec()
	}
	fl.closeDec = done
	if n, err := io.CopyN(io.Discard, zr, off); err != nil {
		return nil, fmt.Errorf("skip to offset %d of %s (%d bytes): %w", off, fl.name, n, err)
	}
	return zr, nil
}

// size returns the size of the file on disk.
func (fl *file) size() (int64, error) {
	fi, err := fl.f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// close closes the file; a nil file is fine.
func (fl *file) close() {
	if fl != nil {
		if fl.closeDec != nil {
			fl.closeDec()
			fl.closeDec = nil
		}
		fl.f.Close()
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
