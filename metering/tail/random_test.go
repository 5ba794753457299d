package tail_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering/tail"
)

// TestRandomRotationsAndCrashes writes numbered lines while rotating the file
// at random points, by rename (with or without the writer reopening at once,
// with or without logrotate creating the new file) and by copytruncate, older
// rotated files being compressed; meanwhile it reads in random batches and
// "crashes" at random points, reopening from the last Position returned. Every
// number must be delivered exactly once, in order. TAIL_RANDOM_SEEDS sets
// how many runs.
func TestRandomRotationsAndCrashes(t *testing.T) {
	seeds := 16
	if testing.Short() {
		seeds = 4
	}
	if n, err := strconv.Atoi(os.Getenv("TAIL_RANDOM_SEEDS")); err == nil {
		seeds = n // for longer hunts
	}
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			s := newSim(t, uint64(seed))
			for range 1500 {
				s.step()
			}
			s.finish()
		})
	}
}

// scheme is how rotated files are named and compressed.
type scheme int

const (
	delayCompress scheme = iota // path.1, path.2.gz, …
	compressNow                 // path.1.gz, path.2.gz, …
	dateExt                     // path-20250001, path-20250002.gz, … (delaycompress)
)

// sim is one randomized run.
type sim struct {
	t      *testing.T
	rng    *rand.Rand
	path   string
	w      *os.File // the writer's file
	reopen bool     // renamed away, the writer has not reopened yet
	rest   string   // the second half of a line half written
	next   int      // the next number to write
	scheme scheme
	rots   []rotatedFile // oldest first
	pruned int           // rotated files removed
	// gzipOnReopen: compress the newest rotated file when the writer reopens
	gzipOnReopen bool
	tl           *tail.Tailer
	pos          tail.Position
	want         int // the next number expected
	acked        int // the next number after s.pos
	stats        map[string]int
	trace        []string
}

func newSim(t *testing.T, seed uint64) *sim {
	s := &sim{t: t, rng: rand.New(rand.NewPCG(seed, 7)), path: logPath(t), stats: map[string]int{}}
	s.scheme = scheme(seed % 3)
	s.w = s.openWriter()
	s.writeLines(1)
	fds := openFiles(t)
	s.tl = s.openTailer()
	// Commit where the first start begins, as a caller starting from the
	// zero Position should: the first line may be half written, so the
	// first read may deliver nothing.
	s.pos = s.tl.Stats().Position
	s.read()
	t.Cleanup(func() {
		s.tl.Close()
		if n := openFiles(t); n != fds {
			t.Errorf("%d files open after Close, %d before Open", n, fds)
		}
		s.w.Close()
		t.Logf("scheme %d, ops %v, %d lines", s.scheme, s.stats, s.next)
	})
	return s
}

func (s *sim) openWriter() *os.File {
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	must(s.t, err)
	return f
}

func (s *sim) openTailer() *tail.Tailer {
	// Some lines are longer than the maximum: truncated, they keep their
	// numbers.
	tl, err := tail.Open(s.path, s.pos, tail.Options{Waiter: &idleWaiter{}, MaxLineBytes: 50})
	must(s.t, err)
	return tl
}

// step does one random thing.
func (s *sim) step() {
	switch r := s.rng.IntN(100); {
	case r < 35:
		s.op("write", func() { s.writeLines(1 + s.rng.IntN(8)) })
	case r < 70:
		s.op("read", s.read)
	case r < 78:
		s.op("crash", s.crash)
	case r < 84 && s.reopen && s.rest == "":
		s.op("reopen", s.reopenWriter)
	case r < 90 && !s.reopen && s.rest == "":
		s.op("rename", s.rename)
	case r < 95 && !s.reopen && s.rest == "":
		s.op("copytruncate", s.copyTruncate)
	}
}

func (s *sim) op(name string, f func()) {
	s.stats[name]++
	s.trace = append(s.trace, fmt.Sprintf("%s (written %d, want %d)", name, s.next, s.want))
	f()
}

// writeLines writes n numbered lines, maybe leaving the last half written.
func (s *sim) writeLines(n int) {
	var b strings.Builder
	b.WriteString(s.rest)
	s.rest = ""
	for range n {
		line := fmt.Sprintf("%06d %s\n", s.next, strings.Repeat("x", s.rng.IntN(60)))
		s.next++
		b.WriteString(line)
	}
	all := b.String()
	if n > 0 && s.rng.IntN(5) == 0 {
		cut := len(all) - 1 - s.rng.IntN(5)
		all, s.rest = all[:cut], all[cut:]
	}
	writeTo(s.t, s.w, all)
}

// read takes one batch.
func (s *sim) read() {
	maxLines, maxBytes := 1+s.rng.IntN(30), 1+s.rng.IntN(1500)
	pos, err := s.tl.Next(context.Background(), maxLines, maxBytes, s.check)
	var gap *tail.GapError
	switch {
	case errors.Is(err, errIdle):
	case errors.As(err, &gap):
		s.t.Fatalf("gap: %v; last steps:\n%s", gap, strings.Join(s.trace[max(0, len(s.trace)-25):], "\n"))
	case err != nil:
		s.t.Fatalf("Next: %v", err)
	default:
		s.pos, s.acked = pos, s.want
		s.trace = append(s.trace, fmt.Sprintf("  -> %v want %d", pos, s.want))
	}
}

// check asserts line is the next number expected.
func (s *sim) check(line []byte) {
	n, err := strconv.Atoi(string(line[:min(6, len(line))]))
	if err != nil || n != s.want {
		s.t.Fatalf("line %q: want number %d; last steps:\n%s\nfiles:\n%s", line, s.want, strings.Join(s.trace[max(0, len(s.trace)-25):], "\n"), s.files())
	}
	s.want++
}

// crash drops the tailer and reopens it from the last Position returned,
// going through its encoding. Lines read since are read again.
func (s *sim) crash() {
	s.tl.Close()
	b, err := s.pos.Marshal()
	must(s.t, err)
	s.pos, err = tail.UnmarshalPosition(b)
	must(s.t, err)
	s.want = s.acked
	s.tl = s.openTailer()
}

// reopenWriter makes the writer reopen the path, as after its HUP.
func (s *sim) reopenWriter() {
	s.w.Close()
	s.w = s.openWriter()
	s.reopen = false
	s.compressNow()
}

// rotatedFile is one rotated file of the simulation.
type rotatedFile struct {
	date string // the name's date, for dateExt; "" for numbered names
	gz   bool
}

// name returns the current name of s.rots[k].
func (s *sim) name(k int) string {
	r := s.rots[k]
	name := fmt.Sprintf("%s.%d", s.path, len(s.rots)-k)
	if r.date != "" {
		name = s.path + "-" + r.date
	}
	if r.gz {
		name += ".gz"
	}
	return name
}

// rotate moves the file at path to a new rotated name, by rename or by copy
// and truncate, renaming and compressing older files as the scheme says.
func (s *sim) rotate(copyTruncate bool) {
	s.prune()
	old := make([]string, len(s.rots))
	for k := range s.rots {
		old[k] = s.name(k)
	}
	next := rotatedFile{}
	if s.scheme == dateExt {
		next.date = fmt.Sprintf("2025%04d", len(old)+s.pruned)
	}
	s.rots = append(s.rots, next)
	for k := range old { // oldest, highest numbers first
		if name := s.name(k); name != old[k] {
			must(s.t, os.Rename(old[k], name))
		}
	}
	if last := len(s.rots) - 1; s.scheme != compressNow && last > 0 {
		s.compress(last - 1) // delaycompress
	}
	newest := s.name(len(s.rots) - 1)
	if copyTruncate {
		copyFile(s.t, s.path, newest)
		must(s.t, os.Truncate(s.path, 0))
	} else {
		must(s.t, os.Rename(s.path, newest))
	}
	s.gzipOnReopen = s.scheme == compressNow
}

// compress gzips s.rots[k].
func (s *sim) compress(k int) {
	if s.rots[k].gz {
		return
	}
	plain := s.name(k)
	s.rots[k].gz = true
	gzipFile(s.t, plain, s.name(k))
}

// prune removes the oldest rotated files once the last Position returned is
// past them, as logrotate's rotate count does (earlier, they would be lost).
func (s *sim) prune() {
	for len(s.rots) > 0 && lastNumber(s.t, s.name(0))+1 < s.acked {
		must(s.t, os.Remove(s.name(0)))
		s.rots = s.rots[1:]
		s.pruned++
	}
}

// rename rotates by rename; the writer may reopen at once or later, and the
// new file may be created by logrotate meanwhile.
func (s *sim) rename() {
	s.rotate(false)
	if s.rng.IntN(2) == 0 {
		write(s.t, s.path, "")
	}
	s.reopen = true
	if s.rng.IntN(2) == 0 {
		s.reopenWriter()
	}
}

// copyTruncate rotates by copy and truncate, at a line boundary.
func (s *sim) copyTruncate() {
	s.rotate(true)
	s.compressNow()
}

// compressNow compresses the newest rotated file if the scheme does so at
// once (after the writer has reopened).
func (s *sim) compressNow() {
	if s.gzipOnReopen {
		s.compress(len(s.rots) - 1)
		s.gzipOnReopen = false
	}
}

// finish writes the last lines and reads everything.
func (s *sim) finish() {
	s.writeLines(0)
	if s.reopen {
		s.reopenWriter() // the line half written was completed above
	}
	s.writeLines(3)
	s.writeLines(0) // complete a line left half written
	for range 100000 {
		before := s.want
		s.read()
		if s.want == before && s.want == s.next {
			return
		}
	}
	s.t.Fatalf("read %d of %d lines", s.want, s.next)
}

// files describes the files, for failure messages.
func (s *sim) files() string { return describeFiles(s.path) }

// describeFiles lists the log and its rotated files with their inodes and
// first and last lines, for failure messages.
func describeFiles(path string) string {
	names, _ := filepath.Glob(path + "*")
	var b strings.Builder
	for _, name := range names {
		data, _ := os.ReadFile(name)
		if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
			data, _ = io.ReadAll(zr)
		}
		var first, last string
		if lines := strings.Split(strings.TrimSpace(string(data)), "\n"); len(lines) > 0 {
			first, last = lines[0], lines[len(lines)-1]
		}
		var ino uint64
		if fi, err := os.Stat(name); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				ino = st.Ino
			}
		}
		fmt.Fprintf(&b, "%s ino %d: %.6s..%.6s\n", filepath.Base(name), ino, first, last)
	}
	return b.String()
}

// lastNumber returns the number of the last line of a plain or gzip file,
// -1 if it has none.
func lastNumber(t *testing.T, name string) int {
	data, err := os.ReadFile(name)
	must(t, err)
	if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
		data, err = io.ReadAll(zr)
		must(t, err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	last := lines[len(lines)-1]
	n, err := strconv.Atoi(last[:min(6, len(last))])
	if err != nil {
		return -1
	}
	return n
}

// openFiles returns how many files the process has open.
func openFiles(t *testing.T) int {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		testenv.Skip(t, "/proc/self/fd", "Linux with /proc mounted")
	}
	return len(fds)
}
