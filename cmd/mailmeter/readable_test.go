package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
)

// Tables are for people: usage and scan print sizes in human units (SI,
// as billing counts them) unless --bytes asks for the raw values, and
// latency prints durations, not 2.1e+03s.
func TestReadableTables(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	for _, args := range [][]string{
		{"customer", "add", "acme", "--name", "Acme"},
		{"domain", "add", "acme.example", "--customer", "acme"},
		{"mailbox", "add", "alice@acme.example", "--created", "2026-09-01T00:00:00Z"},
	} {
		if r := runCLI(t, nil, append(args, "--db", db)...); r.code != 0 {
			t.Fatalf("%v: %+v", args, r)
		}
	}
	ctx := context.Background()
	s, err := store.Open(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hour := time.Date(2026, 10, 5, 8, 0, 0, 0, time.UTC)
	var lat []metering.LatencyDelta
	for d, n := range map[time.Duration]int64{3 * time.Second: 98, 882 * time.Second: 1, 2100 * time.Second: 1} {
		for _, dom := range []string{"", "acme.example"} {
			lat = append(lat, metering.LatencyDelta{Domain: dom, Direction: metering.Inbound, Hour: hour, Bucket: metering.BucketOf(d), Count: n})
		}
	}
	err = s.Commit(ctx, metering.Batch{Counters: []metering.CounterDelta{
		{Mailbox: "alice@acme.example", Metric: metering.InBytes, Hour: hour, Value: 23_456_789},
		{Mailbox: "alice@acme.example", Metric: metering.InMessages, Hour: hour, Value: 1234}}, Latency: lat})
	if err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "usage", "--period", "2026-10", "--db", db)
	if r.code != 0 || !strings.Contains(r.stdout, "23.5 MB") || !strings.Contains(r.stdout, "1234") {
		t.Errorf("usage: want 23.5 MB and 1234 messages:\n%s", r.stdout)
	}
	r = runCLI(t, nil, "usage", "--period", "2026-10", "--bytes", "--db", db)
	if r.code != 0 || !strings.Contains(r.stdout, "23456789") || strings.Contains(r.stdout, " MB") {
		t.Errorf("usage --bytes: want 23456789:\n%s", r.stdout)
	}
	r = runCLI(t, nil, "latency", "--period", "2026-10", "--db", db)
	if r.code != 0 || regexp.MustCompile(`\de[+-]\d`).MatchString(r.stdout) || !regexp.MustCompile(`\d+m\d\ds`).MatchString(r.stdout) || !strings.Contains(r.stdout, "WITHIN 1m00s") {
		t.Errorf("latency: want human durations (14m42s), no exponents:\n%s", r.stdout)
	}

	root := t.TempDir()
	cur := filepath.Join(root, "acme.example", "alice", "cur")
	if err := os.MkdirAll(cur, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(cur, "1.M1P1.host,S=1500000:2,S"), strings.Repeat("x", 10))
	if r := runCLI(t, nil, "scan", root, "--db", db); r.code != 0 || !strings.Contains(r.stdout, "1.5 MB") {
		t.Errorf("scan: want 1.5 MB: %+v", r)
	}
	if r := runCLI(t, nil, "scan", root, "--bytes", "--db", db); r.code != 0 || !strings.Contains(r.stdout, "1500000") {
		t.Errorf("scan --bytes: want 1500000: %+v", r)
	}
}

// Every command that prints a table also prints JSON.
func TestEveryTableHasJSON(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	if r := runCLI(t, nil, "migrate", "up", "--db", db); r.code != 0 {
		t.Fatalf("migrate up: %+v", r)
	}
	root := t.TempDir()
	for _, args := range [][]string{
		{"migrate", "status"}, {"usage"}, {"usage", "--unknown"}, {"latency"}, {"availability"},
		{"customer", "list"}, {"domain", "list"}, {"mailbox", "list"}, {"invoice", "list"}, {"deadletter", "list"},
		{"scan", root},
	} {
		r := runCLI(t, nil, append(args, "--json", "--db", db)...)
		if r.code != 0 || !json.Valid([]byte(r.stdout)) {
			t.Errorf("%v --json: %+v", args, r)
		}
	}
}
