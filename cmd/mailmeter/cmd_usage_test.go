package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/loggen"
	"github.com/mailmeter/mailmeter/metering"
)

func TestBackfillUsageLatencyCLI(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "m.db")
	logPath := filepath.Join(dir, "mail.log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := loggen.DefaultConfig()
	cfg.Messages, cfg.Mailboxes = 800, 30
	cfg.Start = time.Date(2026, 10, 5, 8, 0, 0, 0, time.UTC)
	truth, err := loggen.Postfix(f, cfg)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The file's mtime anchors the year of its year-less stamps.
	os.Chtimes(logPath, cfg.Start.Add(24*time.Hour), cfg.Start.Add(24*time.Hour))

	r := runCLI(t, nil, "backfill", "--timezone", "UTC", "--host", "mx1", logPath, "--db", db)
	if want := fmt.Sprintf("%d lines read, %[1]d metered; 2026-10-05T08:00:00Z – ", truth.Lines); r.code != 0 || !strings.Contains(r.stdout, want) {
		t.Fatalf("backfill: %+v", r)
	}
	r = runCLI(t, nil, "backfill", "--timezone", "UTC", "--host", "mx1", logPath, "--db", db)
	if r.code != 0 || !strings.Contains(r.stdout, "already backfilled") {
		t.Fatalf("second backfill: %+v", r)
	}
	importLoggenDirectory(t, cfg, db) // usage lists the directory's mailboxes
	hosted, _ := splitTruth(cfg, truth)
	r = runCLI(t, nil, "usage", "--period", "2026-10", "--json", "--db", db)
	if r.code != 0 {
		t.Fatalf("usage: %+v", r)
	}
	var doc struct {
		Period struct{ From, To string }
		Rows   []map[string]any
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Period.From != "2026-10-01T00:00:00Z" || doc.Period.To != "2026-11-01T00:00:00Z" {
		t.Errorf("usage --json period = %+v, want October 2026", doc.Period)
	}
	rows := doc.Rows
	if len(rows) != len(hosted) {
		t.Errorf("usage lists %d mailboxes, truth has %d in the directory", len(rows), len(hosted))
	}
	for _, row := range rows {
		mb := row["mailbox"].(string)
		for _, m := range metering.CounterMetrics {
			v, ok := row[string(m)].(float64)
			if !ok || v != float64(int64(v)) {
				t.Fatalf("%s %s = %v: want an integer", mb, m, row[string(m)])
			}
			if int64(v) != hosted[mb][m] {
				t.Errorf("%s %s = %d, truth %d", mb, m, int64(v), hosted[mb][m])
			}
		}
	}
	one := rows[0]["mailbox"].(string)
	r = runCLI(t, nil, "usage", "--from", "2026-10-01", "--to", "2026-11-01", "--mailbox", strings.ToUpper(one), "--json", "--db", db)
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Rows) != 1 || doc.Rows[0]["mailbox"] != one {
		t.Errorf("usage --mailbox: %v %+v", err, r)
	}
	r = runCLI(t, nil, "usage", "--period", "2026-09", "--json", "--db", db)
	var empty map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &empty); err != nil || fmt.Sprint(empty["rows"]) != "[]" || empty["period"] == nil {
		t.Errorf("usage of an empty month = %q, want its period and no rows", r.stdout)
	}
	r = runCLI(t, nil, "usage", "--period", "2026-09", "--db", db)
	if !strings.Contains(r.stdout, "2026-09") || !strings.Contains(r.stdout, "no usage recorded") || !strings.Contains(r.stdout, "--period") {
		t.Errorf("usage of an empty month: %q, want the period, that it is empty and a hint", r.stdout)
	}
	r = runCLI(t, nil, "usage", "--db", db)
	if month := time.Now().UTC().Format("2006-01"); r.code != 0 || !strings.Contains(r.stdout, month) || !strings.Contains(r.stdout, "this month") {
		t.Errorf("usage without a period: %+v, want it to say it covers this month (%s)", r, month)
	}
	r = runCLI(t, nil, "latency", "--period", "2026-10", "--json", "--db", db)
	var lat []map[string]float64
	if err := json.Unmarshal([]byte(strings.ReplaceAll(strings.ReplaceAll(r.stdout, `"inbound"`, "1"), `"outbound"`, "2")), &lat); err != nil || len(lat) != 2 {
		t.Fatalf("latency: %v %+v", err, r)
	}
	for _, l := range lat {
		if l["count"] <= 0 || l["p50_seconds"] <= 0 || l["p99_seconds"] < l["p50_seconds"] || l["share_within_target"] <= 0 || l["share_within_target_max"] < l["share_within_target"] {
			t.Errorf("latency row %v", l)
		}
	}
	if int64(lat[0]["count"]) != truth.LatencyCount[metering.Inbound] {
		t.Errorf("inbound samples %v, truth %d", lat[0]["count"], truth.LatencyCount[metering.Inbound])
	}
	for _, bad := range [][]string{{"usage", "--period", "2026-13"}, {"usage", "--from", "2026-10-02", "--to", "2026-10-01"}, {"usage", "--mailbox", "nope"}, {"backfill", "--format", "qmail", logPath}} {
		if r := runCLI(t, nil, append(bad, "--db", db)...); r.code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", bad, r.code, r.stderr)
		}
	}
	if r := runCLI(t, nil, "backfill", filepath.Join(dir, "missing.log"), "--db", db); r.code != 1 || !strings.Contains(r.stderr, "missing.log") {
		t.Errorf("missing file: %+v", r)
	}
}
