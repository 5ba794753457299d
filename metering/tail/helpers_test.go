package tail_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailmeter/mailmeter/metering/tail"
)

// constError is an error that can be a constant.
type constError string

func (e constError) Error() string { return string(e) }

// errIdle is what idleWaiter returns instead of waiting, so that tests read
// until there is nothing left and then go on, all in one goroutine.
const errIdle = constError("idle: nothing to read")

// idleWaiter never waits.
type idleWaiter struct{ waits int }

func (w *idleWaiter) Wait(context.Context) error {
	w.waits++
	return errIdle
}

// open opens a Tailer of path with an idleWaiter, closed at the end of the
// test.
func open(t *testing.T, path string, pos tail.Position, opts tail.Options) *tail.Tailer {
	t.Helper()
	opts.Waiter = &idleWaiter{}
	tl, err := tail.Open(path, pos, opts)
	if err != nil {
		t.Fatalf("Open(%s, %v): %v", path, pos, err)
	}
	t.Cleanup(func() { tl.Close() })
	return tl
}

// result is what draining a Tailer produced.
type result struct {
	lines []string
	pos   tail.Position
	gaps  []*tail.GapError
}

// drain reads from tl in batches of maxLines until it is idle.
func drain(t *testing.T, tl *tail.Tailer, maxLines int) result {
	t.Helper()
	var r result
	for range 100000 {
		pos, err := tl.Next(context.Background(), maxLines, 1<<30, func(line []byte) {
			r.lines = append(r.lines, string(line))
		})
		var gap *tail.GapError
		switch {
		case errors.Is(err, errIdle):
			r.pos = pos
			return r
		case errors.As(err, &gap):
			r.gaps = append(r.gaps, gap)
		case err != nil:
			t.Fatalf("Next: %v", err)
		}
		r.pos = pos
	}
	t.Fatal("Next never went idle")
	return r
}

// write appends s to the file at path, creating it.
func write(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// writeTo appends s to an open file.
func writeTo(t *testing.T, f *os.File, s string) {
	t.Helper()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// appender opens path for appending, as a log writer does, closed at the
// end of the test.
func appender(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// gzipBytes compresses b.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// gzipFile writes the gzip of src's content to dst and removes src.
func gzipFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, gzipBytes(b), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(src); err != nil {
		t.Fatal(err)
	}
}

// copyFile copies src to dst.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// logPath returns the path of a log file in a new temporary directory.
func logPath(t *testing.T) string {
	return filepath.Join(t.TempDir(), "mail.log")
}

// must fails the test on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// removeFile removes path.
func removeFile(path string) error { return os.Remove(path) }
