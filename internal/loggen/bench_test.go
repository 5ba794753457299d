package loggen_test

import (
	"io"
	"testing"

	"github.com/mailmeter/mailmeter/internal/loggen"
)

// benchmark generates about 100 MB per iteration and reports MB/s.
func benchmark(b *testing.B, gen func(io.Writer, loggen.Config) (loggen.Truth, error)) {
	cfg := loggen.DefaultConfig()
	cfg.Messages = 0
	cfg.Lines = 640_000 // ≈ 100 MB at ≈ 160 bytes a line
	var n int64
	for b.Loop() {
		tr, err := gen(io.Discard, cfg)
		if err != nil {
			b.Fatal(err)
		}
		n = tr.Bytes
	}
	b.SetBytes(n)
}

func BenchmarkPostfix(b *testing.B) { benchmark(b, loggen.Postfix) }

func BenchmarkExim(b *testing.B) { benchmark(b, loggen.Exim) }
