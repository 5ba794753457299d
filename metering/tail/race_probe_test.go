package tail_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering/tail"
)

func TestProbeConcurrentRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mail.log")
	// The log has content before reading starts, so the first Position has a
	// fingerprint to find the file by once it is rotated and compressed.
	var head bytes.Buffer
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&head, "line %d head\n", i)
	}
	os.WriteFile(path, head.Bytes(), 0o644)
	const total = 40000
	rng := rand.New(rand.NewPCG(1, 2))     // the writer's
	readRng := rand.New(rand.NewPCG(3, 4)) // the reader's: a Rand is not safe for two goroutines
	writerDone := make(chan struct{})
	nrot := 0
	first, err := tail.Identify(path)
	if err != nil {
		t.Fatal(err)
	}
	start := make(chan struct{})
	go func() {
		<-start
		defer close(writerDone)
		n := 100
		for n < total {
			k := 50 + rng.IntN(1500)
			var b bytes.Buffer
			for i := 0; i < k && n < total; i++ {
				fmt.Fprintf(&b, "line %d padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding\n", n)
				n++
			}
			f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
			f.Write(b.Bytes())
			f.Close()
			if rng.IntN(4) == 0 {
				for j := nrot + 1; j >= 2; j-- {
					os.Rename(fmt.Sprintf("%s.%d.gz", path, j), fmt.Sprintf("%s.%d.gz", path, j+1))
				}
				if old, err := os.ReadFile(path + ".1"); err == nil {
					var z bytes.Buffer
					zw := gzip.NewWriter(&z)
					zw.Write(old)
					zw.Close()
					os.WriteFile(path+".2.gz", z.Bytes(), 0o644)
					os.Remove(path + ".1")
				}
				os.Rename(path, path+".1")
				f, _ := os.Create(path)
				f.Close()
				nrot++
			}
			_ = 0
		}
	}()
	pos := tail.Position{Path: path, File: first}
	close(start)
	want := 0
	deadline := time.Now().Add(60 * time.Second)
	reopens := 0
	for want < total && time.Now().Before(deadline) {
		tl, err := tail.Open(path, pos, tail.Options{PollInterval: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		cpos, cwant := pos, want
		for i := 0; i < 1+readRng.IntN(6) && want < total; i++ {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			p, err := tl.Next(ctx, 500, 1<<20, func(line []byte) {
				f := bytes.Fields(line)
				n, _ := strconv.Atoi(string(f[1]))
				if n != want {
					t.Fatalf("got line %d, want %d (pos %v, reopens %d)", n, want, pos, reopens)
				}
				want++
			})
			cancel()
			if err == nil {
				pos = p
			} else if ctx.Err() == nil {
				t.Logf("Next: %v", err)
				pos = p
			}
			if readRng.IntN(3) == 0 {
				cpos, cwant = pos, want
			}
		}
		tl.Close()
		pos, want = cpos, cwant
		reopens++
	}
	<-writerDone
	if want != total {
		t.Fatalf("read %d of %d lines (reopens %d, rotations %d, pos %v)", want, total, reopens, nrot, pos)
	}
}
