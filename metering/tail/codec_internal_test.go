package tail

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// A compressed file cut short anywhere past its magic is told apart from a
// damaged one by the error's identity (io.ErrUnexpectedEOF), whatever the
// codec: no codec's message text is needed.
func TestTruncatedStreamsByErrorIdentity(t *testing.T) {
	content := bytes.Repeat([]byte("Nov  1 12:00:00 mx postfix/smtpd[1]: connect from x\n"), 40)
	bz2, err := os.ReadFile("testdata/four-lines.bz2")
	if err != nil {
		t.Fatal(err)
	}
	var gz, xzb bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(content)
	zw.Close()
	xw, err := xz.NewWriter(&xzb)
	if err != nil {
		t.Fatal(err)
	}
	xw.Write(content)
	xw.Close()
	enc, _ := zstd.NewWriter(nil)
	streams := map[string][]byte{"gzip": gz.Bytes(), "bzip2": bz2, "xz": xzb.Bytes(), "zstd": enc.EncodeAll(content, nil)}
	for name, full := range streams {
		t.Run(name, func(t *testing.T) {
			cuts := 0
			for cut := 6; cut < len(full); cut++ {
				r, done, err := codecOf(full[:cut]).decompress(bytes.NewReader(full[:cut]))
				if err == nil {
					_, err = io.Copy(io.Discard, r)
					done()
				}
				if err == nil {
					continue // a cut the codec cannot tell (an xz header alone)
				}
				cuts++
				if !truncated(err) {
					t.Errorf("cut at %d of %d: %v (%T) not told as truncated", cut, len(full), err, err)
				}
			}
			if cuts < (len(full)-6)/2 {
				t.Errorf("only %d of %d cuts failed to decode", cuts, len(full)-6)
			}
		})
	}
	// Damage that is not a cut is not truncation.
	bad := bytes.Clone(streams["gzip"])
	bad[len(bad)-5] ^= 0xff // the CRC
	r, done, err := codecOf(bad).decompress(bytes.NewReader(bad))
	if err == nil {
		_, err = io.Copy(io.Discard, r)
		done()
	}
	if err == nil || truncated(err) {
		t.Errorf("a gzip stream with a wrong CRC: %v, truncated %v", err, truncated(err))
	}
}
