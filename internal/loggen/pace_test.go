package loggen_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/loggen"
)

// Pace sees every line, in order, at the time the line is stamped with,
// and everything before the line has reached the writer by then.
func TestPaceSeesEachLineAtItsStamp(t *testing.T) {
	cfg := loggen.DefaultConfig()
	cfg.Messages, cfg.Lines = 0, 300
	cfg.Timestamps = loggen.RFC3339Micro
	var out bytes.Buffer
	var at []time.Time
	var written []int
	cfg.Pace = func(t time.Time) {
		at = append(at, t)
		written = append(written, strings.Count(out.String(), "\n"))
	}
	truth, err := loggen.Postfix(&out, cfg)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if int64(len(at)) != truth.Lines || len(lines) != len(at) {
		t.Fatalf("%d pace calls, %d lines written, truth %d", len(at), len(lines), truth.Lines)
	}
	for i, line := range lines {
		stamp, _, _ := strings.Cut(line, " ")
		ts, err := time.Parse(time.RFC3339Nano, stamp)
		if err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if !ts.Equal(at[i].Truncate(time.Microsecond)) {
			t.Errorf("line %d stamped %s, paced at %s", i, ts, at[i])
		}
		if i > 0 && at[i].Before(at[i-1]) {
			t.Errorf("line %d paced at %s, before line %d (%s)", i, at[i], i-1, at[i-1])
		}
		if written[i] != i {
			t.Errorf("pacing line %d, %d lines had reached the writer", i, written[i])
		}
	}
}
