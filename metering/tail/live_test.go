package tail_test

import (
	"os"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/metering/tail"
)

// The lag is measured when Stats is asked, not when the reader last read:
// lines written while it is busy or asleep show at once, those of a file
// rotated in at the path too, and NewestLine is the last line written.
func TestStatsMeasureTheLagNow(t *testing.T) {
	path := logPath(t)
	write(t, path, "one\ntwo\n")
	tl := open(t, path, tail.Position{}, tail.Options{})
	if r := drain(t, tl, 100); len(r.lines) != 2 {
		t.Fatalf("read %q", r.lines)
	}
	if lag := tl.Stats().Lag; lag != 0 {
		t.Fatalf("lag %d after reading everything, want 0", lag)
	}
	unread := strings.Repeat("a line written while the reader is away\n", 1000) + "the newest line\n"
	write(t, path, unread)
	if got := tl.Stats().Lag; got != int64(len(unread)) {
		t.Errorf("lag %d with %d bytes unread, want %d", got, len(unread), len(unread))
	}
	if got := string(tl.NewestLine()); got != "the newest line" {
		t.Errorf("newest line %q", got)
	}
	write(t, path, "half a li") // being written: not a line yet
	if got := string(tl.NewestLine()); got != "the newest line" {
		t.Errorf("newest line %q while one is half written", got)
	}

	// Rotated: the rest of the old file and all of the new one are behind.
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	write(t, path, "after the rotation\n")
	want := int64(len(unread) + len("half a li") + len("after the rotation\n"))
	if got := tl.Stats().Lag; got != want {
		t.Errorf("lag %d after a rotation not yet seen, want %d", got, want)
	}
	if got := string(tl.NewestLine()); got != "after the rotation" {
		t.Errorf("newest line %q after the rotation", got)
	}
	r := drain(t, tl, 100000)
	if n := len(r.lines); n != 1003 || tl.Stats().Lag != 0 {
		t.Errorf("read %d lines, lag %d after catching up; want 1003, 0", n, tl.Stats().Lag)
	}
}
