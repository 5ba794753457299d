package loggen_test

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/internal/loggen"
	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering"
)

// TestNewYear runs across midnight of Dec 31: year-less stamps roll over,
// order holds, and some message has lines on both sides.
func TestNewYear(t *testing.T) {
	cfg := small()
	cfg.Start = time.Date(2026, 12, 31, 23, 45, 0, 0, time.UTC)
	cfg.Messages, cfg.Duration = 0, 40*time.Minute
	cfg.Rate = 2
	out, tr := gen(t, loggen.Postfix, cfg)
	checkLines(t, out, bsdPrefix, "Jan _2 15:04:05", cfg.Start)
	before, spans := map[string]bool{}, 0
	for line := range strings.Lines(string(out)) {
		m := postfixQueue.FindStringSubmatch(line)
		if m == nil || m[1] == "NOQUEUE" {
			continue
		}
		switch {
		case strings.HasPrefix(line, "Dec 31 "):
			before[m[1]] = true
		case strings.HasPrefix(line, "Jan  1 ") && before[m[1]]:
			spans++
			delete(before, m[1])
		}
	}
	if spans == 0 {
		t.Fatal("no message spans Dec 31 → Jan 1")
	}
	if d := cmp.Diff(tr.Usage, countPostfix(out).Usage); d != "" {
		t.Errorf("usage (-truth +count):\n%s", d)
	}
}

// TestIncompleteAtEOF cuts the run mid-traffic: messages stay open and the
// truth still equals what the written lines say.
func TestIncompleteAtEOF(t *testing.T) {
	for name, g := range map[string]genFunc{"postfix": loggen.Postfix, "exim": loggen.Exim} {
		t.Run(name, func(t *testing.T) {
			cfg := small()
			cfg.Messages, cfg.Lines = 0, 4321
			out, tr := gen(t, g, cfg)
			if tr.Lines != 4321 || tr.Open == 0 {
				t.Fatalf("Lines = %d, Open = %d; want 4321 lines and open messages", tr.Lines, tr.Open)
			}
			got := countPostfix(out)
			if name == "exim" {
				got = countExim(out, true)
			}
			if d := cmp.Diff(tr.Usage, got.Usage); d != "" {
				t.Errorf("usage (-truth +count):\n%s", d)
			}
		})
	}
}

// memWriter discards output, sampling the live heap every few writes.
type memWriter struct {
	writes  int
	maxHeap uint64
}

func (w *memWriter) Write(p []byte) (int, error) {
	w.writes++
	if w.writes%16 == 0 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		w.maxHeap = max(w.maxHeap, ms.HeapAlloc)
	}
	return len(p), nil
}

func TestConstantMemory(t *testing.T) {
	testenv.Long(t, "generates 200k lines")
	heap := func(lines int64) uint64 {
		cfg := loggen.DefaultConfig()
		cfg.Messages, cfg.Lines = 0, lines
		w := &memWriter{}
		if _, err := loggen.Postfix(w, cfg); err != nil {
			t.Fatal(err)
		}
		return w.maxHeap
	}
	short, long := heap(40_000), heap(200_000)
	t.Logf("max live heap: %d kB at 40k lines, %d kB at 200k lines", short>>10, long>>10)
	if long > 16<<20 || long > 2*short+(2<<20) {
		t.Fatalf("heap grows with the run: %d kB at 40k lines, %d kB at 200k", short>>10, long>>10)
	}
}

func TestStop(t *testing.T) {
	cfg := small()
	cfg.Messages, cfg.Duration = 0, 24*365*time.Hour
	calls := 0
	cfg.Stop = func() bool { calls++; return calls > 5000 }
	out, tr := gen(t, loggen.Postfix, cfg)
	if tr.Lines == 0 || tr.Open == 0 {
		t.Fatalf("Lines = %d, Open = %d", tr.Lines, tr.Open)
	}
	if d := cmp.Diff(tr.Usage, countPostfix(out).Usage); d != "" {
		t.Errorf("usage (-truth +count):\n%s", d)
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n--; w.n < 0 {
		return 0, io.ErrShortWrite
	}
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	cfg := small()
	if _, err := loggen.Exim(&failWriter{n: 2}, cfg); !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("err = %v, want the writer's error", err)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		field string
		tweak func(*loggen.Config)
	}{
		{"Duration", func(c *loggen.Config) { c.Messages = 0 }},
		{"Start", func(c *loggen.Config) { c.Start = time.Time{} }},
		{"Rate", func(c *loggen.Config) { c.Rate = 0 }},
		{"Mailboxes", func(c *loggen.Config) { c.Domains = c.Mailboxes + 1 }},
		{"MaxRecipients", func(c *loggen.Config) { c.MaxRecipients = 0 }},
		{"MaxInFlight", func(c *loggen.Config) { c.MaxInFlight = 1 }},
		{"Host", func(c *loggen.Config) { c.Host = "" }},
		{"Timestamps", func(c *loggen.Config) { c.Timestamps = 7 }},
		{"SpamShare", func(c *loggen.Config) { c.SpamShare = 1.5 }},
		{"DeferShare", func(c *loggen.Config) { c.DeferShare, c.BounceShare = 0.7, 0.7 }},
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			cfg := loggen.DefaultConfig()
			c.tweak(&cfg)
			var buf bytes.Buffer
			_, err := loggen.Postfix(&buf, cfg)
			if metering.KindOf(err) != metering.Invalid || metering.FieldOf(err) != c.field {
				t.Fatalf("err = %v (field %q), want invalid %s", err, metering.FieldOf(err), c.field)
			}
			if buf.Len() != 0 {
				t.Fatal("wrote lines for an invalid config")
			}
		})
	}
	if err := loggen.DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig: %v", err)
	}
}

func TestLocalDomains(t *testing.T) {
	cfg := loggen.DefaultConfig()
	cfg.Domains = 20
	ds := cfg.LocalDomains()
	seen := map[string]bool{}
	for _, d := range ds {
		seen[d] = true
	}
	if len(ds) != 20 || len(seen) != 20 {
		t.Fatalf("LocalDomains = %v, want 20 distinct", ds)
	}
	cfg.Messages = 300
	_, tr := gen(t, loggen.Postfix, cfg)
	for mb, u := range tr.Usage {
		if u[metering.InMessages] > 0 && !seen[metering.DomainOf(mb)] {
			t.Errorf("%s got deliveries but is not in a local domain", mb)
		}
	}
}
