package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/loggen"
)

func TestRunWritesLogAndTruth(t *testing.T) {
	for _, format := range []string{"postfix", "exim"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			logPath, truthPath := filepath.Join(dir, "mail.log"), filepath.Join(dir, "truth.json")
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"-format", format, "-messages", "60", "-seed", "3",
				"-start", "2026-12-31T23:59:00Z", "-out", logPath, "-truth", truthPath}, &stdout, &stderr)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			log, err := os.ReadFile(logPath)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(truthPath)
			if err != nil {
				t.Fatal(err)
			}
			var truth loggen.Truth
			if err := json.Unmarshal(raw, &truth); err != nil {
				t.Fatalf("truth: %v", err)
			}
			if n := int64(bytes.Count(log, []byte("\n"))); n != truth.Lines || n == 0 || truth.Sessions != 60 {
				t.Fatalf("%d lines written, truth says %d lines, %d sessions", n, truth.Lines, truth.Sessions)
			}
			if len(truth.Usage) == 0 {
				t.Fatal("empty usage")
			}
		})
	}
}

func TestRunStdoutDeterministic(t *testing.T) {
	out := func() string {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"-lines", "300", "-timestamps", "rfc3339"}, &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		return stdout.String()
	}
	a, b := out(), out()
	if a != b || strings.Count(a, "\n") != 300 {
		t.Fatalf("runs differ or wrong length (%d lines)", strings.Count(a, "\n"))
	}
}

func TestRunBadFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-format", "sendmail"}, "-format"},
		{[]string{"-timestamps", "iso"}, "-timestamps"},
		{[]string{"-lines", "-4"}, "negative"},
		{[]string{"-follow", "5"}, "-follow needs -out"},
		{[]string{"-start", "yesterday"}, "-start"},
		{[]string{"-rate", "0"}, "rate"},
		{[]string{"-domains", "500"}, "Domains"},
		{[]string{"-nope"}, "not defined"},
		{[]string{"extra"}, "unexpected argument"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), c.args, &stdout, &stderr); code != 2 {
				t.Fatalf("exit %d, want 2", code)
			}
			if !strings.Contains(stderr.String(), c.want) {
				t.Fatalf("stderr %q does not mention %q", stderr.String(), c.want)
			}
			if stdout.Len() != 0 {
				t.Fatal("wrote a log on bad flags")
			}
		})
	}
}

func TestRunFollowStopsWhenCancelled(t *testing.T) {
	dir := t.TempDir()
	logPath, truthPath := filepath.Join(dir, "live.log"), filepath.Join(dir, "truth.json")
	if err := os.WriteFile(logPath, []byte("existing line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"-out", logPath, "-follow", "10", "-truth", truthPath}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	log, _ := os.ReadFile(logPath)
	if !strings.HasPrefix(string(log), "existing line\n") {
		t.Fatalf("follow did not append: %q", log)
	}
}

// fakeClock advances only when slept on.
type fakeClock struct {
	now   time.Time
	slept []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return nil
}

type writeRecorder struct{ writes []string }

func (w *writeRecorder) Write(p []byte) (int, error) {
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

func TestPacer(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	rec := &writeRecorder{}
	ctx, cancel := context.WithCancel(context.Background())
	p := loggen.NewPacer(ctx, rec, 10, clock.Now, clock.Sleep)
	if n, err := p.Write([]byte("a\nb\nc\n")); n != 6 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	want := []time.Duration{100 * time.Millisecond, 100 * time.Millisecond}
	if len(rec.writes) != 3 || rec.writes[1] != "b\n" || !equalDurations(clock.slept, want) {
		t.Fatalf("writes %q, slept %v; want one write per line, slept %v", rec.writes, clock.slept, want)
	}
	cancel()
	if _, err := p.Write([]byte("d\ne\n")); err != nil || len(clock.slept) != 2 {
		t.Fatalf("after cancel: err %v, slept %v; want immediate writes", err, clock.slept)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
