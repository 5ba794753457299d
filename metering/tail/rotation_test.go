package tail_test

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/metering/tail"
)

func TestRenameRotation(t *testing.T) {
	for _, create := range []bool{false, true} {
		name := "writer creates"
		if create {
			name = "logrotate creates"
		}
		t.Run(name, func(t *testing.T) {
			path := logPath(t)
			w := appender(t, path)
			writeTo(t, w, "1\n2\n")
			tl := open(t, path, tail.Position{}, tail.Options{})
			got := drain(t, tl, 1).lines
			writeTo(t, w, "3\n") // not read before the rename

			must(t, os.Rename(path, path+".1"))
			if create {
				write(t, path, "")
			}
			writeTo(t, w, "4\nfi") // the writer has not reopened yet
			got = append(got, drain(t, tl, 1).lines...)
			writeTo(t, w, "ve") // an unterminated last line

			w2 := appender(t, path) // the writer reopens
			writeTo(t, w2, "6\n")
			got = append(got, drain(t, tl, 1).lines...)
			writeTo(t, w2, "7\n")
			r := drain(t, tl, 1)
			got = append(got, r.lines...)

			if diff := cmp.Diff([]string{"1", "2", "3", "4", "five", "6", "7"}, got); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if r.pos.Offset != 4 || tl.Stats().Files != 1 {
				t.Errorf("position %v, %d files done; want offset 4 in the new file, 1 file done", r.pos, tl.Stats().Files)
			}
		})
	}
}

func TestCopyTruncate(t *testing.T) {
	tests := []struct {
		name     string
		rotate   func(t *testing.T, path string) // copies path away
		wantGaps int
		want     []string
	}{
		{
			name:   "plain copy",
			rotate: func(t *testing.T, path string) { copyFile(t, path, path+".1") },
			want:   []string{"1", "2", "3", "4", "5", "6"},
		},
		{
			name: "compressed copy",
			rotate: func(t *testing.T, path string) {
				copyFile(t, path, path+".1")
				gzipFile(t, path+".1", path+".1.gz")
			},
			want: []string{"1", "2", "3", "4", "5", "6"},
		},
		{
			name: "dated copy next to older ones",
			rotate: func(t *testing.T, path string) {
				write(t, path+"-20240101", "old\n")
				copyFile(t, path, path+"-20240102")
			},
			want: []string{"1", "2", "3", "4", "5", "6"},
		},
		{
			name:     "no copy",
			rotate:   func(*testing.T, string) {},
			wantGaps: 1,
			want:     []string{"1", "2", "5", "6"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := logPath(t)
			w := appender(t, path)
			writeTo(t, w, "1\n2\n")
			tl := open(t, path, tail.Position{}, tail.Options{})
			r := drain(t, tl, 10)
			got, gaps := r.lines, len(r.gaps)
			writeTo(t, w, "3\n4\n") // not read before the copy

			tt.rotate(t, path)
			must(t, os.Truncate(path, 0))
			writeTo(t, w, "5\n6\n")
			r = drain(t, tl, 10)
			got, gaps = append(got, r.lines...), gaps+len(r.gaps)

			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if gaps != tt.wantGaps {
				t.Errorf("%d gaps, want %d: %v", gaps, tt.wantGaps, r.gaps)
			}
			if r.pos.Offset != 4 || tl.Stats().Truncations != 1 {
				t.Errorf("position %v, stats %+v; want offset 4 after 1 truncation", r.pos, tl.Stats())
			}
		})
	}
}

func TestTruncatedAndRewrittenBeforeCheck(t *testing.T) {
	// The same inode, but its first bytes changed: a new file, even though
	// it is now longer than the offset reached in the old one.
	path := logPath(t)
	w := appender(t, path)
	writeTo(t, w, "old 1\nold 2\n")
	tl := open(t, path, tail.Position{}, tail.Options{})
	got := drain(t, tl, 10).lines
	copyFile(t, path, path+".1")
	must(t, os.Truncate(path, 0))
	writeTo(t, w, "new 1\nnew 2\nnew 3\n")
	got = append(got, drain(t, tl, 10).lines...)
	if diff := cmp.Diff([]string{"old 1", "old 2", "new 1", "new 2", "new 3"}, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestRestartAfterInodeReuse(t *testing.T) {
	path := logPath(t)
	write(t, path, "aaa\nbbb\n")
	tl := open(t, path, tail.Position{}, tail.Options{})
	pos := drain(t, tl, 10).pos
	tl.Close()

	// Same path, same inode, longer than the offset, other first bytes.
	must(t, os.WriteFile(path, []byte("ccc\nddd\neee\n"), 0o644))
	r := drain(t, open(t, path, pos, tail.Options{}), 10)
	if diff := cmp.Diff([]string{"ccc", "ddd", "eee"}, r.lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if len(r.gaps) != 1 || r.gaps[0].Offset != 8 {
		t.Errorf("gaps = %v, want one from offset 8", r.gaps)
	}
}

func TestRestartFromRotatedFile(t *testing.T) {
	// The Position was taken after "a2" in file A; A has been rotated to
	// some name since, maybe compressed, maybe with a newer rotated file B
	// between it and the current file C.
	tests := []struct {
		name      string
		a, b      string // names of A and B after rotation ("" for no B)
		older     string // name of an older, unrelated rotated file
		gzipA     bool
		gzipB     bool
		copied    bool // A was copied (copytruncate), not renamed
		wantLines []string
	}{
		{name: "path.1", a: ".1", older: ".9", wantLines: []string{"a3", "c1"}},
		{name: "path.1.gz", a: ".1.gz", gzipA: true, wantLines: []string{"a3", "c1"}},
		{name: "path-YYYYMMDD", a: "-20250101", older: "-20241231", wantLines: []string{"a3", "c1"}},
		{name: "path-YYYYMMDD.gz", a: "-20250101.gz", gzipA: true, wantLines: []string{"a3", "c1"}},
		{name: "path.0", a: ".0", older: ".1", wantLines: []string{"a3", "c1"}},
		{name: "copy at path.1", a: ".1", copied: true, wantLines: []string{"a3", "c1"}},
		{name: "path.2.gz then path.1", a: ".2.gz", gzipA: true, b: ".1", wantLines: []string{"a3", "b1", "b2", "c1"}},
		{name: "path.3.gz then path.2.gz", a: ".3.gz", gzipA: true, b: ".2.gz", gzipB: true, wantLines: []string{"a3", "b1", "b2", "c1"}},
		{name: "dated, two", a: "-20250101", b: "-20250102.gz", older: "-20241231.gz", gzipB: true, wantLines: []string{"a3", "b1", "b2", "c1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := logPath(t)
			write(t, path, "a1\na2\n")
			tl := open(t, path, tail.Position{}, tail.Options{})
			pos := drain(t, tl, 10).pos
			tl.Close()
			write(t, path, "a3\n")

			rotate(t, path, path+tt.a, tt.gzipA, tt.copied)
			if tt.b != "" {
				write(t, path, "b1\nb2\n")
				rotate(t, path, path+tt.b, tt.gzipB, false)
			}
			write(t, path, "c1\n")
			if tt.older != "" {
				write(t, path+tt.older, "unrelated older file\n")
			}

			r := drain(t, open(t, path, pos, tail.Options{}), 1)
			if diff := cmp.Diff(tt.wantLines, r.lines); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if len(r.gaps) != 0 {
				t.Errorf("gaps: %v", r.gaps)
			}
		})
	}
}

// rotate moves the file at path to name, compressing it or copying and
// truncating it as asked.
func rotate(t *testing.T, path, name string, compress, copied bool) {
	t.Helper()
	tmp := name
	if compress {
		tmp = path + ".tmp"
	}
	if copied {
		copyFile(t, path, tmp)
		must(t, os.Truncate(path, 0))
	} else {
		must(t, os.Rename(path, tmp))
	}
	if compress {
		gzipFile(t, tmp, name)
	}
}

func TestRestartWhenFileIsGone(t *testing.T) {
	path := logPath(t)
	write(t, path, "a1\na2\n")
	tl := open(t, path, tail.Position{}, tail.Options{})
	pos := drain(t, tl, 10).pos
	tl.Close()
	must(t, os.Remove(path))
	write(t, path, "c1\n")

	r := drain(t, open(t, path, pos, tail.Options{}), 10)
	if diff := cmp.Diff([]string{"c1"}, r.lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if len(r.gaps) != 1 || r.gaps[0].File != pos.File {
		t.Errorf("gaps = %v, want one for %v", r.gaps, pos.File)
	}
}

func TestRestartFromRenamedFileStillWritten(t *testing.T) {
	// Crash between the rename and the writer's reopening: the old file is
	// found at path.1 and followed until the new file is written to.
	path := logPath(t)
	w := appender(t, path)
	writeTo(t, w, "1\n")
	tl := open(t, path, tail.Position{}, tail.Options{})
	pos := drain(t, tl, 10).pos
	tl.Close()
	must(t, os.Rename(path, path+".1"))
	write(t, path, "")
	writeTo(t, w, "2\n")

	tl = open(t, path, pos, tail.Options{})
	got := drain(t, tl, 10).lines
	writeTo(t, w, "3\n")
	got = append(got, drain(t, tl, 10).lines...)
	write(t, path, "4\n")
	got = append(got, drain(t, tl, 10).lines...)
	if diff := cmp.Diff([]string{"2", "3", "4"}, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestTwoRotationsWhileNotReading(t *testing.T) {
	// The tailer holds file A open but is not called while A and then B are
	// rotated away: B is found among the rotated files, not skipped.
	path := logPath(t)
	write(t, path, "a1\n")
	tl := open(t, path, tail.Position{}, tail.Options{})
	got := drain(t, tl, 10).lines
	write(t, path, "a2\n")
	must(t, os.Rename(path, path+".1"))
	write(t, path, "b1\n")
	must(t, os.Rename(path+".1", path+".2"))
	must(t, os.Rename(path, path+".1"))
	write(t, path, "c1\n")
	got = append(got, drain(t, tl, 10).lines...)
	if diff := cmp.Diff([]string{"a1", "a2", "b1", "c1"}, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestRestartIntoDamagedGzip(t *testing.T) {
	path := logPath(t)
	write(t, path, "a1\n")
	tl := open(t, path, tail.Position{}, tail.Options{})
	pos := drain(t, tl, 10).pos
	tl.Close()
	for i := 2; i < 200; i++ {
		write(t, path, "a"+strings.Repeat("z", i%50)+"\n")
	}
	rotate(t, path, path+".1.gz", true, false)
	b, err := os.ReadFile(path + ".1.gz")
	must(t, err)
	must(t, os.WriteFile(path+".1.gz", b[:len(b)-20], 0o644)) // cut short
	write(t, path, "c1\n")

	r := drain(t, open(t, path, pos, tail.Options{}), 1000)
	if len(r.gaps) != 1 || !strings.Contains(r.gaps[0].Reason, "decompress") {
		t.Fatalf("gaps = %v, want one about decompressing", r.gaps)
	}
	if n := len(r.lines); n == 0 || r.lines[n-1] != "c1" || n > 198+1 {
		t.Errorf("lines %q: want some of the 198 lines, then c1", r.lines)
	}
}
