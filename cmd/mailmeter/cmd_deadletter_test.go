package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// A record the database refuses while collect runs (bob's stored in_bytes
// is a hair under the int64 limit, and a 2048-byte message arrives) lands in
// the dead letters; the source goes on, /metrics shows it, `deadletter list`
// lists it, and `deadletter replay` applies it once the operator has
// corrected the stored total, and never twice.
func TestDeadLetterCLI(t *testing.T) {
	dbs := []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "m.db") }},
		{"postgres", func(t *testing.T) string { return storetest.PostgresURL(t) }},
	}
	for _, db := range dbs {
		t.Run(db.name, func(t *testing.T) { deadLetterCLI(t, db.dsn(t)) })
	}
}

func deadLetterCLI(t *testing.T, dsn string) {
	ctx := context.Background()
	hour := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	s, err := store.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	bobBytes := func(delta int64) metering.Batch {
		return metering.Batch{Counters: []metering.CounterDelta{{Mailbox: "bob@acme.example", Metric: metering.InBytes, Hour: hour, Value: delta}}}
	}
	if err := s.Commit(ctx, bobBytes(math.MaxInt64-5)); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	logPath := filepath.Join(dir, "mail.log")
	stamp := "Nov 28 10:00:00 mx "
	writeFile(t, logPath, stamp+"postfix/qmgr[2]: 4B3C2D1E0F: from=<x@example.org>, size=2048, nrcpt=2 (queue active)\n"+
		stamp+"postfix/local[3]: 4B3C2D1E0F: to=<bob@acme.example>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)\n"+
		stamp+"postfix/local[3]: 4B3C2D1E0F: to=<carol@acme.example>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)\n")
	fi, _ := os.Stat(logPath)
	conf := filepath.Join(dir, "c.yaml")
	writeFile(t, conf, fmt.Sprintf("db: %s\nlogs:\n  - {path: %s, format: postfix, host: mx1, timezone: UTC}\ncollect:\n  flush_interval: 50ms\n", dsn, logPath))
	metricsAddr := freeAddr(t)
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan result, 1)
	go func() {
		var out, errb syncBuffer
		code := run(cctx, []string{"collect", "--config", conf, "--metrics-listen", metricsAddr}, env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
		done <- result{code, out.String(), errb.String()}
	}()
	source := "mx1:" + logPath
	waitFor(t, func() bool {
		cp, err := s.Checkpoint(ctx, source)
		return err == nil && cp.Offset == fi.Size()
	})
	var metrics string
	counted := fmt.Sprintf("mailmeter_deadletters_total{source=%q} 1", source)
	waitFor(t, func() bool {
		resp, err := http.Get("http://" + metricsAddr + "/metrics")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		metrics = string(b)
		return strings.Contains(metrics, counted)
	})
	if !strings.Contains(metrics, "mailmeter_deadletters_pending 1") {
		t.Errorf("/metrics lacks mailmeter_deadletters_pending 1:\n%s", metrics)
	}
	cancel()
	if r := <-done; r.code != 0 {
		t.Fatalf("collect exit %d: %s", r.code, r.stderr)
	}
	inBytes := func(mailbox string) int64 {
		tot, err := s.Totals(ctx, metering.UsageQuery{From: hour, To: hour.Add(time.Hour), Mailboxes: []string{mailbox}})
		if err != nil || len(tot) != 1 {
			t.Fatalf("totals of %s: %+v, %v", mailbox, tot, err)
		}
		return tot[0].Values[metering.InBytes]
	}
	if got := inBytes("carol@acme.example"); got != 2048 {
		t.Errorf("carol in_bytes = %d, want 2048 (the rest of the batch commits)", got)
	}

	vars := map[string]string{"MAILMETER_DB": dsn}
	r := runCLI(t, vars, "deadletter", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "in_bytes of bob@acme.example") || !strings.Contains(r.stdout, source) {
		t.Fatalf("deadletter list: %+v", r)
	}
	r = runCLI(t, vars, "deadletter", "list", "--json")
	var listed []struct {
		ID     int64  `json:"id"`
		Source string `json:"source"`
		Record string `json:"record"`
		Error  string `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &listed); err != nil || r.code != 0 || len(listed) != 1 || listed[0].Source != source || listed[0].Error == "" {
		t.Fatalf("deadletter list --json: %+v (%v)", r, err)
	}
	id := fmt.Sprint(listed[0].ID)

	// Replayed as it is, the record is refused again and stays pending.
	if r := runCLI(t, vars, "deadletter", "replay", id); r.code != 1 || !strings.Contains(r.stderr, "refused") {
		t.Errorf("replay of a record still refused: %+v", r)
	}
	// The operator corrects bob's total; the replay then applies it once.
	if err := s.Commit(ctx, bobBytes(-(math.MaxInt64 - 5))); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, vars, "deadletter", "replay"); r.code != 0 || !strings.Contains(r.stdout, "replayed "+id) {
		t.Errorf("deadletter replay: %+v", r)
	}
	if got := inBytes("bob@acme.example"); got != 2048 {
		t.Errorf("bob in_bytes after the replay = %d, want 2048", got)
	}
	if r := runCLI(t, vars, "deadletter", "replay", id); r.code != 1 || !strings.Contains(r.stderr, "was replayed") {
		t.Errorf("second replay: %+v", r)
	}
	if got := inBytes("bob@acme.example"); got != 2048 {
		t.Errorf("bob in_bytes after a second replay = %d, want 2048 (applied once)", got)
	}
	if r := runCLI(t, vars, "deadletter", "list"); r.code != 0 || strings.Contains(r.stdout, "bob@") {
		t.Errorf("deadletter list after the replay still shows it: %+v", r)
	}
	if r := runCLI(t, vars, "deadletter", "list", "--all"); r.code != 0 || !strings.Contains(r.stdout, "replayed") {
		t.Errorf("deadletter list --all: %+v", r)
	}
	if r := runCLI(t, vars, "deadletter", "replay", "x"); r.code != 2 {
		t.Errorf("replay of a bad id: %+v", r)
	}
	if r := runCLI(t, vars, "deadletter", "replay", "999"); r.code != 1 || !strings.Contains(r.stderr, "does not exist") {
		t.Errorf("replay of an unknown id: %+v", r)
	}
}
