package tail_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/tail"
)

func TestReadFile(t *testing.T) {
	const content = "one\ntwo\r\nthree\nfour"
	for _, codec := range []string{"plain", "gzip", "bzip2", "xz", "zstd"} {
		t.Run(codec, func(t *testing.T) {
			path := logPath(t)
			// Named like a plain file: the codec is told by the first bytes.
			writeCompressed(t, path, codec, content)
			var lines []string
			var done, total int64
			opts := tail.Options{Progress: func(d, tot int64) { done, total = d, tot }}
			collect := func(l []byte) { lines = append(lines, string(l)) }

			end, err := tail.ReadFile(context.Background(), path, tail.Position{}, opts, collect)
			must(t, err)
			if diff := cmp.Diff([]string{"one", "two", "three", "four"}, lines); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if end.Offset != int64(len(content)) || done != total || total == 0 {
				t.Errorf("end %v, progress %d/%d; want offset %d and progress complete", end, done, total, len(content))
			}

			// Again from the end: nothing, and the same Position.
			lines = nil
			again, err := tail.ReadFile(context.Background(), path, end, opts, collect)
			must(t, err)
			if len(lines) != 0 || again != end {
				t.Errorf("second read: %q, %v; want nothing, %v", lines, again, end)
			}

			// Resumed after "two".
			lines = nil
			mid := tail.Position{Path: end.Path, File: end.File, Offset: int64(len("one\ntwo\r\n"))}
			_, err = tail.ReadFile(context.Background(), path, mid, opts, collect)
			must(t, err)
			if diff := cmp.Diff([]string{"three", "four"}, lines); diff != "" {
				t.Errorf("resumed lines (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadFileRejectsOtherFilesPosition(t *testing.T) {
	a, b := logPath(t), logPath(t)
	write(t, a, "a file\n")
	write(t, b, "another file\n")
	end, err := tail.ReadFile(context.Background(), a, tail.Position{}, tail.Options{}, func([]byte) {})
	must(t, err)
	_, err = tail.ReadFile(context.Background(), b, end, tail.Options{}, func([]byte) {})
	if metering.KindOf(err) != metering.Conflict {
		t.Errorf("err = %v, want conflict", err)
	}
}

func TestReadFileLongLines(t *testing.T) {
	path := logPath(t)
	write(t, path, "a\n"+strings.Repeat("y", 50)+"\nb\n")
	var lines []string
	_, err := tail.ReadFile(context.Background(), path, tail.Position{}, tail.Options{MaxLineBytes: 10}, func(l []byte) {
		lines = append(lines, string(l))
	})
	must(t, err)
	if diff := cmp.Diff([]string{"a", strings.Repeat("y", 10), "b"}, lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestIdentifyNamesContent(t *testing.T) {
	path := logPath(t)
	write(t, path, "first line\nsecond line\n")
	plain, err := tail.Identify(path)
	must(t, err)
	gzipFile(t, path, path+".gz")
	compressed, err := tail.Identify(path + ".gz")
	must(t, err)
	if plain.FPLen != 23 || plain.FP != compressed.FP || plain.FPLen != compressed.FPLen {
		t.Errorf("plain %v, compressed %v: want the same 23-byte fingerprint", plain, compressed)
	}
	end, err := tail.ReadFile(context.Background(), path+".gz", tail.Position{}, tail.Options{}, func([]byte) {})
	must(t, err)
	if end.File != compressed {
		t.Errorf("ReadFile ends in %v, want %v", end.File, compressed)
	}
}

func TestReadFileInterruptedResumes(t *testing.T) {
	path := logPath(t)
	var b strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	write(t, path, b.String())
	gzipFile(t, path, path+".gz")
	path += ".gz"

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []string
	collect := func(l []byte) {
		got = append(got, string(l))
		if len(got) == 5000 {
			cancel() // the backfill is stopped
		}
	}
	pos, err := tail.ReadFile(ctx, path, tail.Position{}, tail.Options{}, collect)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("ReadFile = %v, want context.Canceled", err)
	}
	// The Position accounts for exactly the lines delivered.
	if want := int64(len(strings.Join(got, "\n")) + 1); pos.Offset != want {
		t.Fatalf("stopped at offset %d after %d lines, want %d", pos.Offset, len(got), want)
	}
	_, err = tail.ReadFile(context.Background(), path, pos, tail.Options{}, collect)
	must(t, err)
	if len(got) != 10000 {
		t.Fatalf("%d lines in all, want 10000", len(got))
	}
	for i, l := range got {
		if l != fmt.Sprintf("line %d", i) {
			t.Fatalf("line %d = %q", i, l)
		}
	}
}

// ReadFileSum delivers what ReadFile does and sums the file as SumFile
// does, in one reading, plain or compressed.
func TestReadFileSum(t *testing.T) {
	content := "one\ntwo\r\n" + strings.Repeat("a longer line to cross read buffers\n", 20000) + "last"
	for _, codec := range []string{"plain", "gzip", "zstd"} {
		t.Run(codec, func(t *testing.T) {
			path := logPath(t)
			writeCompressed(t, path, codec, content)
			var want, got []string
			wantEnd, err := tail.ReadFile(context.Background(), path, tail.Position{}, tail.Options{}, func(l []byte) { want = append(want, string(l)) })
			must(t, err)
			end, sum, err := tail.ReadFileSum(context.Background(), path, tail.Options{}, func(l []byte) { got = append(got, string(l)) })
			must(t, err)
			if diff := cmp.Diff(want, got); diff != "" || end != wantEnd {
				t.Errorf("lines (-ReadFile +ReadFileSum):\n%s\nend %v, want %v", diff, end, wantEnd)
			}
			wantSum, err := tail.SumFile(context.Background(), path, tail.Position{})
			must(t, err)
			if sum != wantSum || sum.Size != int64(len(content)) {
				t.Errorf("sum %+v, want %+v (size %d)", sum, wantSum, len(content))
			}
		})
	}
}

// StartsAs tells a file that starts as a Position's file (the same, grown,
// or a compressed copy) from any other, without reading it all.
func TestStartsAs(t *testing.T) {
	a, b, c := logPath(t), logPath(t), logPath(t)
	write(t, a, "first line of a\nsecond\n")
	write(t, b, "first line of b\n")
	end, err := tail.ReadFile(context.Background(), a, tail.Position{}, tail.Options{}, func([]byte) {})
	must(t, err)
	write(t, a, "first line of a\nsecond\nthird\n")
	writeCompressed(t, c, "gzip", "first line of a\nsecond\nthird\n")
	for path, want := range map[string]bool{a: true, b: false, c: true} {
		id, got, err := tail.StartsAs(path, end)
		must(t, err)
		if got != want {
			t.Errorf("StartsAs(%s) = %v, want %v", path, got, want)
		}
		if want, err := tail.Identify(path); err != nil || id != want {
			t.Errorf("StartsAs(%s) identity %v, want %v (%v)", path, id, want, err)
		}
	}
	if _, got, err := tail.StartsAs(a, tail.Position{}); got || err != nil {
		t.Errorf("StartsAs of the zero Position = %v, %v; want false", got, err)
	}
}
