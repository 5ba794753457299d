package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/loggen"
	"github.com/mailmeter/mailmeter/metering"
)

// importLoggenDirectory puts the generated log's mailboxes into the
// directory of db (customer "gen", created well before the log).
func importLoggenDirectory(t *testing.T, cfg loggen.Config, db string) {
	t.Helper()
	var csv strings.Builder
	csv.WriteString("address,customer,customer_name,created_at\n")
	for _, a := range cfg.LocalMailboxes() {
		csv.WriteString(a + ",gen,Generated," + cfg.Start.AddDate(-1, 0, 0).Format(time.RFC3339) + "\n")
	}
	path := filepath.Join(t.TempDir(), "dir.csv")
	writeFile(t, path, csv.String())
	if r := runCLI(t, nil, "directory", "import", path, "--db", db); r.code != 0 {
		t.Fatalf("directory import: %+v", r)
	}
}

// splitTruth separates a truth's usage into the directory's mailboxes and
// the other addresses.
func splitTruth(cfg loggen.Config, tr loggen.Truth) (hosted, unknown map[string]map[metering.Metric]int64) {
	dir := map[string]bool{}
	for _, a := range cfg.LocalMailboxes() {
		dir[a] = true
	}
	hosted, unknown = map[string]map[metering.Metric]int64{}, map[string]map[metering.Metric]int64{}
	for mb, u := range tr.Usage {
		if dir[mb] {
			hosted[mb] = u
		} else {
			unknown[mb] = u
		}
	}
	return hosted, unknown
}

// usage lists the directory's mailboxes; usage --unknown summarizes the
// rest (refused recipients, remote parties) per domain and top addresses,
// exactly as the generator's truth has them.
func TestUsageHostedAndUnknownCLI(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "m.db")
	logPath := filepath.Join(dir, "mail.log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := loggen.DefaultConfig()
	cfg.Messages, cfg.Mailboxes, cfg.Domains = 1500, 30, 3
	cfg.Start = time.Date(2026, 10, 5, 8, 0, 0, 0, time.UTC)
	truth, err := loggen.Postfix(f, cfg)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	os.Chtimes(logPath, cfg.Start.Add(24*time.Hour), cfg.Start.Add(24*time.Hour))
	if r := runCLI(t, nil, "backfill", "--timezone", "UTC", "--host", "mx1", logPath, "--db", db); r.code != 0 {
		t.Fatalf("backfill: %+v", r)
	}
	importLoggenDirectory(t, cfg, db)
	hosted, unknown := splitTruth(cfg, truth)
	if len(unknown) == 0 || len(hosted) == 0 {
		t.Fatalf("the log should name hosted and unknown addresses: %d and %d", len(hosted), len(unknown))
	}

	r := runCLI(t, nil, "usage", "--period", "2026-10", "--db", db)
	if r.code != 0 {
		t.Fatalf("usage: %+v", r)
	}
	for mb := range unknown {
		if strings.Contains(r.stdout, mb) {
			t.Errorf("usage lists %s, which is not in the directory", mb)
		}
	}
	for mb := range hosted {
		if !strings.Contains(r.stdout, mb) {
			t.Errorf("usage does not list %s", mb)
		}
	}

	r = runCLI(t, nil, "usage", "--unknown", "--period", "2026-10", "--limit", "5", "--json", "--db", db)
	if r.code != 0 {
		t.Fatalf("usage --unknown: %+v", r)
	}
	var rep struct {
		Unknown struct {
			Addresses int                       `json:"addresses"`
			Totals    map[metering.Metric]int64 `json:"totals"`
		} `json:"unknown"`
		Domains []struct {
			Domain    string                    `json:"domain"`
			Hosted    bool                      `json:"hosted"`
			Addresses int                       `json:"addresses"`
			Totals    map[metering.Metric]int64 `json:"totals"`
		} `json:"domains"`
		Addresses []struct {
			Address string                    `json:"address"`
			Values  map[metering.Metric]int64 `json:"values"`
		} `json:"addresses"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("usage --unknown --json: %v\n%s", err, r.stdout)
	}
	if rep.Unknown.Addresses != len(unknown) {
		t.Errorf("%d unknown addresses, truth has %d", rep.Unknown.Addresses, len(unknown))
	}
	want := map[string]map[metering.Metric]int64{}
	for mb, u := range unknown {
		d := metering.DomainOf(mb)
		if want[d] == nil {
			want[d] = map[metering.Metric]int64{}
		}
		for m, v := range u {
			want[d][m] += v
			if rep.Unknown.Totals[m] == 0 {
				t.Errorf("unknown %s missing", m)
			}
		}
	}
	local := map[string]bool{}
	for _, d := range cfg.LocalDomains() {
		local[d] = true
	}
	if len(rep.Domains) != len(want) {
		t.Errorf("%d domains, truth has %d", len(rep.Domains), len(want))
	}
	for _, d := range rep.Domains {
		if d.Hosted != local[d.Domain] {
			t.Errorf("domain %s hosted=%v", d.Domain, d.Hosted)
		}
		for _, m := range metering.CounterMetrics {
			if d.Totals[m] != want[d.Domain][m] {
				t.Errorf("domain %s %s = %d, truth %d", d.Domain, m, d.Totals[m], want[d.Domain][m])
			}
		}
	}
	if len(rep.Addresses) != 5 {
		t.Fatalf("%d top addresses, want 5", len(rep.Addresses))
	}
	for i, a := range rep.Addresses {
		if i > 0 && a.Values[metering.RejectedIn] > rep.Addresses[i-1].Values[metering.RejectedIn] {
			t.Errorf("top addresses not sorted by rejected_in: %v", rep.Addresses)
		}
		if a.Values[metering.RejectedIn] != unknown[a.Address][metering.RejectedIn] {
			t.Errorf("%s rejected_in %d, truth %d", a.Address, a.Values[metering.RejectedIn], unknown[a.Address][metering.RejectedIn])
		}
	}

	r = runCLI(t, nil, "usage", "--unknown", "--period", "2026-10", "--db", db)
	if r.code != 0 || !strings.Contains(r.stdout, "DOMAIN") || !strings.Contains(r.stdout, rep.Addresses[0].Address) {
		t.Errorf("usage --unknown (table): %+v", r)
	}
	if r := runCLI(t, nil, "usage", "--unknown", "--limit", "0", "--db", db); r.code == 0 || !strings.Contains(r.stderr, "limit") {
		t.Errorf("usage --unknown --limit 0: %+v", r)
	}
	if r := runCLI(t, nil, "usage", "--unknown", "--mailbox", "a@b.example", "--db", db); r.code == 0 {
		t.Errorf("usage --unknown --mailbox: %+v", r)
	}
}
