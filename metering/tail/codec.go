package tail

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"io"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// codec is how a file's content is stored: plain, or compressed by one of
// the formats logrotate can be set to. It is told by the file's first
// bytes, never its name.
type codec int

const (
	plain codec = iota
	gzipped
	bzipped
	xzipped
	zstded
)

// magics are the leading bytes of each compressed format.
var magics = []struct {
	c     codec
	magic []byte
}{
	{gzipped, []byte{0x1f, 0x8b}},
	{bzipped, []byte("BZh")},
	{xzipped, []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}},
	{zstded, []byte{0x28, 0xb5, 0x2f, 0xfd}},
}

// maxMagic is the length of the longest magic.
const maxMagic = 6

// codecOf tells the codec from a file's first bytes (at least maxMagic+6
// of them when the file has that many).
func codecOf(head []byte) codec {
	for _, m := range magics {
		if bytes.HasPrefix(head, m.magic) && (m.c != bzipped || isBzip2(head)) {
			return m.c
		}
	}
	return plain
}

// isBzip2 checks more than "BZh", which a plain line could start with: the
// block size digit and the magic of the first block or of the end of an
// empty stream.
func isBzip2(head []byte) bool {
	if len(head) < 10 || head[3] < '1' || head[3] > '9' {
		return false
	}
	block := string(head[4:10])
	return block == "\x31\x41\x59\x26\x53\x59" || block == "\x17\x72\x45\x38\x50\x90"
}

// String names the codec for messages.
func (c codec) String() string {
	return [...]string{"plain", "gzip", "bzip2", "xz", "zstd"}[c]
}

// decompress returns a reader of the uncompressed content of r. The
// returned close function releases what the decoder holds.
func (c codec) decompress(r io.Reader) (io.Reader, func(), error) {
	switch c {
	case gzipped:
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		return zr, func() { zr.Close() }, nil
	case bzipped:
		return bzip2.NewReader(r), func() {}, nil
	case xzipped:
		zr, err := xz.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		return zr, func() {}, nil
	case zstded:
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, nil, err
		}
		return zr, zr.Close, nil
	}
	return r, func() {}, nil
}

// truncated reports whether err says a compressed stream ended before its
// end: a file still being written, or a damaged one.
func truncated(err error) bool {
	// gzip, bzip2 (the standard library's), xz and zstd all return
	// io.ErrUnexpectedEOF itself (TestTruncatedStreamsByErrorIdentity).
	return errors.Is(err, io.ErrUnexpectedEOF)
}

// compressedSuffixes are the name endings of compressed rotated files.
var compressedSuffixes = []string{".gz", ".bz2", ".xz", ".zst"}

// trimCompressed returns name without a compressed file's suffix.
func trimCompressed(name string) string {
	for _, s := range compressedSuffixes {
		if t, ok := strings.CutSuffix(name, s); ok {
			return t
		}
	}
	return name
}

// hasCompressedSuffix reports whether name ends like a compressed file.
func hasCompressedSuffix(name string) bool { return trimCompressed(name) != name }
