//go:build unix

package tail_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering/tail"
)

// BenchmarkRead reads a 100 MB log file with a Tailer and, for comparison,
// with a plain bufio.Reader in the same run. Besides wall-clock MB/s, it
// reports MB per CPU second of the process (cpu-MB/s), steadier on a shared
// machine.
func BenchmarkRead(b *testing.B) {
	path := filepath.Join(b.TempDir(), "mail.log")
	size := writeBenchFile(b, path, 100<<20)

	b.Run("tailer", func(b *testing.B) {
		b.SetBytes(size)
		defer reportCPU(b, size)()
		for b.Loop() {
			tl, err := tail.Open(path, tail.Position{}, tail.Options{Waiter: &idleWaiter{}})
			if err != nil {
				b.Fatal(err)
			}
			var n int
			for {
				_, err := tl.Next(context.Background(), 4096, 1<<20, func(line []byte) { n += len(line) + 1 })
				if errors.Is(err, errIdle) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			tl.Close()
			if int64(n) != size {
				b.Fatalf("read %d bytes, want %d", n, size)
			}
		}
	})
	b.Run("bufio", func(b *testing.B) {
		b.SetBytes(size)
		defer reportCPU(b, size)()
		for b.Loop() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			r := bufio.NewReaderSize(f, 256<<10)
			var n int
			for {
				line, err := r.ReadSlice('\n')
				n += len(line)
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			f.Close()
			if int64(n) != size {
				b.Fatalf("read %d bytes, want %d", n, size)
			}
		}
	})
}

// writeBenchFile writes about size bytes of postfix-like lines to path.
func writeBenchFile(b *testing.B, path string, size int) int64 {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	pad := strings.Repeat("x", 40)
	var n int
	for i := 0; n < size; i++ {
		m, _ := fmt.Fprintf(w, "Nov 28 17:52:%02d mx1 postfix/smtp[%d]: %X: to=<user%d@example.com>, relay=mx.example.net[192.0.2.1]:25, delay=0.%d, status=sent (250 ok %s)\n",
			i%60, 1000+i%5000, i, i%997, i%10, pad[:i%40])
		n += m
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return int64(n)
}

// reportCPU starts measuring the process's CPU time; the function it returns
// reports it as MB per CPU second.
func reportCPU(b *testing.B, size int64) func() {
	start := cpuTime(b)
	return func() {
		if cpu := cpuTime(b) - start; cpu > 0 {
			b.ReportMetric(float64(size)*float64(b.N)/1e6/cpu.Seconds(), "cpu-MB/s")
		}
	}
}

// cpuTime returns the user and system time used by the process.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSumFile measures SumFile, the extra read a backfill makes of each
// file to know it by its content, on a 100 MB log, plain and gzip (MB/s of
// uncompressed content); compare with BenchmarkPipeline's parse rate in
// metering/collect.
func BenchmarkSumFile(b *testing.B) {
	path := filepath.Join(b.TempDir(), "mail.log")
	size := writeBenchFile(b, path, 100<<20)
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	gz := path + ".gz"
	if err := os.WriteFile(gz, gzipBytes(raw), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, p := range []string{path, gz} {
		b.Run(filepath.Ext(p), func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				s, err := tail.SumFile(context.Background(), p, tail.Position{})
				if err != nil || s.Size != size {
					b.Fatalf("sum: %+v, %v", s, err)
				}
			}
		})
	}
}
