package tail

import (
	"bytes"
	"io"
	"testing"
)

// chunkReader returns its data in pieces of the given sizes, then io.EOF.
type chunkReader struct {
	data  []byte
	sizes []byte
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := len(c.data)
	if len(c.sizes) > 0 {
		n = min(n, 1+int(c.sizes[0]))
		c.sizes = c.sizes[1:]
	}
	n = copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// FuzzLineReader checks that however the input is split into reads, the
// lines and offsets are those of a plain split, long lines truncated.
func FuzzLineReader(f *testing.F) {
	f.Add([]byte("a\nbb\r\nccc"), []byte{0, 1, 2}, uint8(2))
	f.Add([]byte("\n\n\r\n"), []byte{}, uint8(1))
	f.Add(bytes.Repeat([]byte("xyz\n"), 100), []byte{7, 3, 250}, uint8(5))
	f.Fuzz(func(t *testing.T, data, sizes []byte, max uint8) {
		lr := lineReader{max: 1 + int(max)}
		lr.reset(&chunkReader{data: data, sizes: sizes}, 0)
		lr.buf = make([]byte, 4) // small, to exercise growing and compaction
		var got [][]byte
		b := batch{maxLines: 1 + len(sizes)%5, maxBytes: 1 + int(max)*3, fn: func(line []byte) {
			got = append(got, append([]byte(nil), line...))
		}}
		for {
			b.n, b.bytes, b.full = 0, 0, false
			if lr.scan(&b) { // the fast path, taking a few lines at a time
				continue
			}
			line, _, ok, err := lr.peek()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			got = append(got, append([]byte(nil), line...))
			lr.commit()
		}
		consumed := lr.off
		if line, _, ok := lr.rest(); ok {
			got = append(got, append([]byte(nil), line...))
			lr.commit()
		}
		want := splitLines(data, 1+int(max))
		if len(got) != len(want) {
			t.Fatalf("%d lines, want %d: %q vs %q", len(got), len(want), got, want)
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("line %d = %q, want %q", i, got[i], want[i])
			}
		}
		if last := bytes.LastIndexByte(data, '\n'); consumed != int64(last+1) || lr.off != int64(len(data)) {
			t.Errorf("offsets %d then %d, want %d then %d", consumed, lr.off, last+1, len(data))
		}
	})
}

// splitLines is the reference: lines without "\n" or "\r\n", cut to max.
func splitLines(data []byte, max int) [][]byte {
	var out [][]byte
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var line []byte
		if i < 0 {
			line, data = data, nil
		} else {
			line, data = data[:i], data[i+1:]
		}
		if len(line) > max {
			line = line[:max]
		} else {
			line = bytes.TrimSuffix(line, []byte("\r"))
		}
		out = append(out, line)
	}
	return out
}
