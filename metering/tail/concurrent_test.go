package tail_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering/tail"
)

// TestConcurrentRotationsAndCrashes runs a writer in its own goroutine,
// appending numbered lines and rotating (by rename, with the writer
// reopening at once or a few writes later, and by copytruncate), while the
// reader tails with the default Watcher, commits only some of its batches
// and "crashes" now and then, resuming from the last committed Position.
// Every number must be delivered exactly once, in order, after the last
// commit.
//
// By default it rotates by rename only, briefly. TAIL_STRESS set makes it
// longer (ten times the lines); TAIL_STRESS=copytruncate adds copytruncate,
// which still fails now and then (about one run in 25 of the three schemes:
// the lines of a copy skipped when the live file was copied and truncated
// more than once between two looks, or a GapError, a truncation whose copy
// was not found).
func TestConcurrentRotationsAndCrashes(t *testing.T) {
	stress := os.Getenv("TAIL_STRESS")
	for _, sc := range []scheme{delayCompress, compressNow, dateExt} {
		t.Run(fmt.Sprint(sc), func(t *testing.T) {
			total := 3000
			switch {
			case stress != "":
				total = 30000
			case testing.Short():
				total = 1000
			}
			path := logPath(t)
			write(t, path, "000000 first\n")
			w := &rotatingWriter{path: path, scheme: sc, rng: rand.New(rand.NewPCG(uint64(sc), 9)), next: 1,
				copyTruncate: stress == "copytruncate"}
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			defer func() { cancel(); wg.Wait() }()
			readAllConcurrently(t, path, total, func() {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := w.run(ctx, total); err != nil {
						t.Error(err)
					}
				}()
			})
		})
	}
}

// readAllConcurrently reads until every number below total was delivered
// once, crashing and resuming as it goes. It calls start once it has opened
// the log the first time.
func readAllConcurrently(t *testing.T, path string, total int, start func()) {
	rng := rand.New(rand.NewPCG(3, 4))
	var pos tail.Position
	committed, want := 0, 0
	var trail []string
	deadline := time.Now().Add(2 * time.Minute)
	for committed < total && time.Now().Before(deadline) {
		tl, err := tail.Open(path, pos, tail.Options{PollInterval: 2 * time.Millisecond})
		must(t, err)
		if pos.IsZero() {
			// Commit where the first start begins, so that a crash before
			// the first batch is committed does not lose the file to a
			// rotation.
			pos = tl.Stats().Position
			start()
		}
		for range 1 + rng.IntN(8) {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			p, err := tl.Next(ctx, 1+rng.IntN(700), 1<<20, func(line []byte) {
				f := strings.Fields(string(line))
				if n, _ := strconv.Atoi(f[0]); n != want {
					t.Fatalf("line %.20q, want number %d (from %v); reads since:\n%s\nfiles:\n%s",
						line, want, pos, strings.Join(trail, "\n"), describeFiles(path))
				}
				want++
			})
			cancel()
			trail = append(trail, fmt.Sprintf("%v -> %d: %v %v", p, want, err, tl.Stats()))
			if err != nil && ctx.Err() == nil {
				t.Fatalf("Next: %v", err)
			}
			// A call that timed out delivered nothing: its Position is
			// the last one's, and may be committed as well.
			if rng.IntN(3) > 0 { // committed; otherwise lost in the crash
				pos, committed = p, want
			}
		}
		tl.Close()
		want = committed
		trail = append(trail[:0], fmt.Sprintf("reopen at %v, want %d", pos, want))
	}
	if committed < total {
		t.Fatalf("committed %d of %d lines", committed, total)
	}
}

// rotatingWriter appends numbered lines to a log and rotates it, as a
// daemon and logrotate together would, without pausing.
type rotatingWriter struct {
	path   string
	scheme scheme
	rng    *rand.Rand
	next   int
	w      *os.File
	rots   []rotatedFile // oldest first
	gz     bool          // compress the newest rotated file once reopened
	// copyTruncate: rotate by copytruncate too, not only by rename
	copyTruncate bool
}

func (w *rotatingWriter) run(ctx context.Context, total int) error {
	var err error
	if w.w, err = os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND, 0); err != nil {
		return err
	}
	defer func() { w.w.Close() }()
	late := 0 // writes left to the old file after a rename
	for w.next < total && ctx.Err() == nil {
		var b strings.Builder
		for range 1 + w.rng.IntN(200) {
			if w.next < total {
				fmt.Fprintf(&b, "%06d %s\n", w.next, strings.Repeat("p", w.rng.IntN(80)))
				w.next++
			}
		}
		s := b.String()
		cut := w.rng.IntN(len(s)) // a line may be written in two parts
		w.w.WriteString(s[:cut])
		w.w.WriteString(s[cut:])
		switch r := w.rng.IntN(20); {
		case late > 0:
			if late--; late == 0 {
				w.reopen()
			}
		case r == 0 && w.copyTruncate:
			w.rotate(true)
		case r == 1:
			w.rotate(false)
			late = w.rng.IntN(3)
			if late == 0 {
				w.reopen()
			}
		}
	}
	if late > 0 {
		w.reopen()
	}
	return nil
}

func (w *rotatingWriter) name(k int) string {
	r := w.rots[k]
	name := fmt.Sprintf("%s.%d", w.path, len(w.rots)-k)
	if r.date != "" {
		name = w.path + "-" + r.date
	}
	if r.gz {
		name += ".gz"
	}
	return name
}

// rotate renames older rotated files up, compresses the previous one
// (delaycompress), and moves the log away by rename or copy and truncate.
func (w *rotatingWriter) rotate(copyTruncate bool) {
	old := make([]string, len(w.rots))
	for k := range w.rots {
		old[k] = w.name(k)
	}
	next := rotatedFile{}
	if w.scheme == dateExt {
		next.date = fmt.Sprintf("2025%04d", len(old))
	}
	w.rots = append(w.rots, next)
	for k := range old {
		if name := w.name(k); name != old[k] {
			os.Rename(old[k], name)
		}
	}
	if last := len(w.rots) - 1; w.scheme != compressNow && last > 0 {
		w.compress(last - 1)
	}
	newest := w.name(len(w.rots) - 1)
	if copyTruncate {
		data, _ := os.ReadFile(w.path)
		os.WriteFile(newest, data, 0o644)
		os.Truncate(w.path, 0)
	} else {
		os.Rename(w.path, newest)
		if w.rng.IntN(2) == 0 {
			f, _ := os.OpenFile(w.path, os.O_CREATE|os.O_WRONLY, 0o644) // logrotate's create
			f.Close()
		}
	}
	w.gz = w.scheme == compressNow
	if copyTruncate {
		w.compressNow()
	}
}

// reopen makes the writer open the path again, as after its HUP.
func (w *rotatingWriter) reopen() {
	w.w.Close()
	w.w, _ = os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	w.compressNow()
}

func (w *rotatingWriter) compressNow() {
	if w.gz {
		w.compress(len(w.rots) - 1)
		w.gz = false
	}
}

// compress gzips w.rots[k] as logrotate does: the compressed file is
// written next to the plain one, which is removed afterwards.
func (w *rotatingWriter) compress(k int) {
	if w.rots[k].gz {
		return
	}
	plain := w.name(k)
	data, err := os.ReadFile(plain)
	if err != nil {
		return
	}
	w.rots[k].gz = true
	os.WriteFile(w.name(k), gzipBytes(data), 0o644)
	os.Remove(plain)
}
