package collect_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/loggen"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/metering/tail"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// killer wraps the store like a process that can die: once armed, the next
// commit dies before, during or after the transaction; once dead, nothing
// more reaches the store.
type killer struct {
	inner metering.Committer
	kill  func() // cancels the runner's context

	mu   sync.Mutex
	mode int // 0: not armed; 1: before; 2: mid-transaction; 3: after commit
	dead bool
}

func (k *killer) Checkpoint(ctx context.Context, src string) (metering.Checkpoint, error) {
	return k.inner.Checkpoint(ctx, src)
}

func (k *killer) Commit(ctx context.Context, b metering.Batch) error {
	k.mu.Lock()
	mode, dead := k.mode, k.dead
	if mode != 0 {
		k.dead = true
	}
	k.mu.Unlock()
	if dead {
		return metering.Errorf(metering.Unavailable, "process is dead")
	}
	switch mode {
	case 1:
		k.kill()
		return metering.Errorf(metering.Unavailable, "killed before commit")
	case 2:
		mid, cancel := context.WithTimeout(ctx, time.Duration(rand.IntN(3000))*time.Microsecond)
		defer cancel()
		err := k.inner.Commit(mid, b) // may commit or roll back: either is a valid crash
		k.kill()
		if err == nil {
			return metering.Errorf(metering.Unavailable, "killed after the transaction, before the answer")
		}
		return err
	case 3:
		err := k.inner.Commit(ctx, b)
		k.kill()
		if err != nil {
			return err
		}
		return metering.Errorf(metering.Unavailable, "killed after commit")
	}
	return k.inner.Commit(ctx, b)
}

func (k *killer) arm(mode int) {
	k.mu.Lock()
	k.mode = mode
	k.mu.Unlock()
}

type collector struct {
	r      *collect.Runner
	cancel context.CancelFunc
	done   chan error
	k      *killer
}

func startCollector(t *testing.T, s metering.Committer, path string) *collector {
	ctx, cancel := context.WithCancel(context.Background())
	k := &killer{inner: s, kill: cancel}
	src := collect.LogSource{Name: "mx1:" + path, Path: path, Format: collect.FormatAuto,
		Proc:          collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"},
		Tail:          tail.Options{PollInterval: 10 * time.Millisecond},
		FlushInterval: 20 * time.Millisecond, BatchLines: 700}
	r := collect.NewRunner(src, k, nil, quiet, time.Now)
	c := &collector{r: r, cancel: cancel, done: make(chan error, 1), k: k}
	go func() { c.done <- r.Run(ctx) }()
	return c
}

func (c *collector) stop(t *testing.T) {
	t.Helper()
	c.cancel()
	select {
	case err := <-c.done:
		if err != nil {
			t.Fatalf("collector: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("collector did not stop")
	}
}

// rotate rotates the live log like logrotate with compress and
// delaycompress: path.K.gz → path.K+1.gz, path.1 → path.2.gz, then the live
// file → path.1 by rename, or copied to path.1 and truncated (copytruncate).
func rotate(t *testing.T, path string, copyTruncate bool, n int) {
	t.Helper()
	for k := n + 1; k >= 2; k-- {
		from := fmt.Sprintf("%s.%d.gz", path, k)
		if _, err := os.Stat(from); err == nil {
			if err := os.Rename(from, fmt.Sprintf("%s.%d.gz", path, k+1)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if b, err := os.ReadFile(path + ".1"); err == nil {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(b)
		zw.Close()
		if err := os.WriteFile(path+".2.gz", z.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(path + ".1")
	}
	if copyTruncate {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+".1", b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func appendLines(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// strictRotation rotates while the collector is still reading, several
// times in quick succession: harsher than any logrotate schedule.
// MAILMETER_CRASH_PACED=1 lets the collector catch up before each rotation
// instead, as logrotate's pace would.
var strictRotation = os.Getenv("MAILMETER_CRASH_PACED") == ""

func TestCrashRestartRotateExactlyOnce(t *testing.T) {
	for _, format := range []string{collect.FormatPostfix, collect.FormatExim} {
		t.Run(format, func(t *testing.T) {
			for _, seed := range []uint64{11, 12, 13} {
				t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
					storetest.Each(t, func(t *testing.T, s *store.Store) {
						crashRun(t, s, format, seed)
					})
				})
			}
		})
	}
}

func crashRun(t *testing.T, s *store.Store, format string, seed uint64) {
	dir := t.TempDir()
	cfg := smallConfig(seed)
	cfg.Messages = 1500
	if format == collect.FormatExim {
		cfg.Messages = 4000 // Exim writes fewer lines a message
	}
	var buf bytes.Buffer
	gen := loggen.Postfix
	if format == collect.FormatExim {
		gen = loggen.Exim
	}
	truth, err := gen(&buf, cfg)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(buf.Bytes(), []byte("\n"))
	rng := rand.New(rand.NewPCG(seed, 99))
	path := filepath.Join(dir, "mail.log")
	// The log has lines before the collector first starts, so the file it
	// records has a fingerprint to be found by once rotated and compressed.
	appendLines(t, path, bytes.Join(lines[:20], nil))
	c := startCollector(t, s, path)
	src := "mx1:" + path
	// The first start commits where the source begins before anything can
	// be killed: without that checkpoint a restart cannot know the file it
	// started with (a documented limit of a first start).
	waitCommitted(t, s, src, 0, c)
	written := int64(0)
	for _, l := range lines[:20] {
		written += int64(len(l))
	}
	kills, rotations := 0, 0
	for i := 20; i < len(lines); {
		n := 50 + rng.IntN(1500)
		if i+n > len(lines) {
			n = len(lines) - i
		}
		chunk := bytes.Join(lines[i:i+n], nil)
		action := rng.IntN(7)
		if action == 0 {
			// Armed before the lines are written, so the commit that
			// carries them is the one killed (armed after, a collector
			// that already committed them would wait for more forever).
			c.k.arm(1 + rng.IntN(3))
		}
		appendLines(t, path, chunk)
		written += int64(len(chunk))
		i += n
		switch action {
		case 0: // kill at a random commit: before, during or after the transaction
			<-c.done
			c = startCollector(t, s, path)
			kills++
		case 1: // kill between commits
			c.stop(t)
			c = startCollector(t, s, path)
			kills++
		case 2, 3: // logrotate while the collector runs
			if !strictRotation {
				// Rotations are rare next to the collector's pace: it has
				// caught up with the file when logrotate comes.
				waitCommitted(t, s, src, written, c)
			}
			rotate(t, path, rng.IntN(2) == 0, rotations)
			rotations++
		case 4: // the collector is down while the log rotates, once or twice
			c.stop(t)
			for range 1 + rng.IntN(2) {
				rotate(t, path, rng.IntN(2) == 0, rotations)
				rotations++
			}
			c = startCollector(t, s, path)
			kills++
		}
	}
	waitCommitted(t, s, src, truth.Bytes, c)
	c.stop(t)
	if kills < 3 || rotations < 3 {
		t.Logf("only %d kills and %d rotations with this seed", kills, rotations)
	}
	t.Logf("%d lines, %d kills, %d rotations", len(lines), kills, rotations)
	compareTruth(t, truth, totals(t, s))
}

// waitCommitted waits until the source's checkpoint accounts for every byte.
func waitCommitted(t *testing.T, s metering.Committer, source string, bytes int64, c *collector) {
	done := c.done
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last metering.Checkpoint
	for time.Now().Before(deadline) {
		cp, err := s.Checkpoint(context.Background(), source)
		if err == nil {
			last = cp
			if cp.Offset >= bytes {
				return
			}
		}
		select {
		case err := <-done:
			t.Fatalf("collector stopped early: %v (offset %d of %d)", err, last.Offset, bytes)
		case <-time.After(20 * time.Millisecond):
		}
	}
	ents, _ := os.ReadDir(filepath.Dir(strings.TrimPrefix(source, "mx1:")))
	for _, e := range ents {
		p := filepath.Join(filepath.Dir(strings.TrimPrefix(source, "mx1:")), e.Name())
		id, err := tail.Identify(p)
		fi, _ := os.Stat(p)
		t.Logf("%s size %d: %v %v", e.Name(), fi.Size(), id, err)
	}
	t.Logf("runner stats: %+v", c.r.Stats().Tail)
	t.Fatalf("checkpoint offset %d, want %d after 60s (position %s)", last.Offset, bytes, last.Position)
}
