package tail_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// writeCompressed writes content to path compressed with codec (plain,
// gzip, bzip2, xz or zstd). Go has no bzip2 encoder: bzip2 content must be
// the four lines of testdata/four-lines.bz2, made with bzip2(1).
func writeCompressed(t *testing.T, path, codec, content string) {
	t.Helper()
	var b []byte
	switch codec {
	case "plain":
		b = []byte(content)
	case "gzip":
		b = gzipBytes([]byte(content))
	case "bzip2":
		if content != "one\ntwo\r\nthree\nfour" {
			t.Fatal("bzip2 content other than testdata/four-lines.bz2's")
		}
		var err error
		if b, err = os.ReadFile("testdata/four-lines.bz2"); err != nil {
			t.Fatal(err)
		}
	case "xz":
		var buf bytes.Buffer
		w, err := xz.NewWriter(&buf)
		must(t, err)
		_, err = w.Write([]byte(content))
		must(t, err)
		must(t, w.Close())
		b = buf.Bytes()
	case "zstd":
		w, err := zstd.NewWriter(nil)
		must(t, err)
		b = w.EncodeAll([]byte(content), nil)
	default:
		t.Fatalf("unknown codec %q", codec)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
