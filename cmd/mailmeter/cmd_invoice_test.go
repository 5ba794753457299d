package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
)

func TestInvoiceCLI(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "m.db")
	conf := filepath.Join(dir, "m.yaml")
	// The smtp probe (its own service: no services: are defined) checks
	// every ten minutes; its checks below are what the credit rests on.
	writeFile(t, conf, `probe_interval: 10m
probes:
  - {name: smtp, kind: tcp, address: "127.0.0.1:25"}
billing:
  plans:
    - name: standard
      currency: EUR
      monthly_fee: 500
      included_storage: 1000000000
      storage_per_gb_month: 10
      tax_bp: 1900
      sla: {availability_ppm: 999000, tiers: [{below_ppm: 999000, credit_bp: 1000}], cap_bp: 5000}
`)
	for _, args := range [][]string{
		{"customer", "add", "acme", "--name", "Acme", "--plan", "standard"},
		{"domain", "add", "acme.example", "--customer", "acme"},
		{"mailbox", "add", "alice@acme.example", "--created", "2026-09-01T00:00:00Z"},
	} {
		if r := runCLI(t, nil, append(args, "--config", conf, "--db", db)...); r.code != 0 {
			t.Fatalf("%v: %+v", args, r)
		}
	}
	s, err := store.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	oct := func(day int) time.Time { return time.Date(2026, 10, day, 12, 0, 0, 0, time.UTC) }
	b := metering.Batch{
		Gauges:       []metering.GaugeDelta{{Mailbox: "alice@acme.example", Metric: metering.StorageBytes, Hour: oct(1), Last: 4_000_000_000, Max: 4_000_000_000, ObservedAt: oct(1)}},
		Availability: []metering.AvailabilityDelta{{Probe: "smtp", Hour: oct(5), Attempts: 1000, Successes: 990}},
	}
	// Down 450 of October's 44640 minutes: 98.99 %, the 10 % tier.
	for at := oct(1).Add(-12 * time.Hour); at.Before(oct(31).Add(12 * time.Hour)); at = at.Add(10 * time.Minute) {
		down := !at.Before(oct(5)) && at.Before(oct(5).Add(450*time.Minute))
		b.Checks = append(b.Checks, metering.ProbeCheck{Probe: "smtp", At: at, Up: !down})
	}
	err = s.Commit(context.Background(), b)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	// October: fee 5.00, 3 GB over × 0.10 = 0.30, credit 10 % of 5.00 = 0.50,
	// net 4.80, tax 0.91 (0.912), total 5.71.
	r := runCLI(t, nil, "invoice", "run", "--period", "2026-10", "--config", conf, "--db", db)
	if r.code != 0 || !strings.Contains(r.stdout, "acme-2026-10") || !strings.Contains(r.stdout, "EUR 5.71") {
		t.Fatalf("invoice run: %+v", r)
	}
	r = runCLI(t, nil, "invoice", "show", "acme-2026-10", "--csv", "--config", conf, "--db", db)
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil || r.code != 0 || len(rows) != 1+3+3+1 || rows[1][3] != "fee" || rows[1][6] != "500" || rows[2][3] != "storage" || rows[2][6] != "30" ||
		rows[3][3] != "sla_credit" || rows[3][6] != "-50" || rows[6][3] != "total" || rows[6][6] != "571" ||
		rows[7][3] != "service_level" || !strings.HasPrefix(rows[7][5], "smtp: availability 98.992% by the minute (target 99.900%), 450 min down") ||
		!strings.Contains(rows[7][5], "downtime 2026-10-05 12:00 UTC to 2026-10-05 19:30 UTC, 450 min (probe)") {
		t.Errorf("invoice show --csv: %+v\n%v", r, rows)
	}
	pdf := filepath.Join(dir, "acme.pdf")
	if r := runCLI(t, nil, "invoice", "show", "acme-2026-10", "--pdf", pdf, "--config", conf, "--db", db); r.code != 0 || !strings.HasPrefix(fileHasPrefix(t, pdf), "%PDF-1.") {
		t.Errorf("invoice show --pdf: %+v", r)
	}
	if r := runCLI(t, nil, "invoice", "show", "acme-2026-10", "--config", conf, "--db", db); !strings.Contains(r.stdout, "smtp: availability 98.992% by the minute (target 99.900%), 450 min down") ||
		!strings.Contains(r.stdout, "down 2026-10-05 12:00 UTC to 2026-10-05 19:30 UTC, 450 min (probe)") || !strings.Contains(r.stdout, "Invoice DRAFT") {
		t.Errorf("invoice show: %s", r.stdout)
	}
	if r := runCLI(t, nil, "invoice", "finalize", "acme-2026-10", "--config", conf, "--db", db); r.code != 0 || !strings.Contains(r.stdout, "number 2026-000001, total EUR 5.71") {
		t.Errorf("finalize: %+v", r)
	}
	if r := runCLI(t, nil, "invoice", "finalize", "acme-2026-10", "--config", conf, "--db", db); r.code != 1 || !strings.Contains(r.stderr, "final already") {
		t.Errorf("finalize twice: %+v", r)
	}
	if r := runCLI(t, nil, "invoice", "run", "--period", "2026-10", "--config", conf, "--db", db); r.code != 0 || !strings.Contains(r.stdout, "final; not recomputed") {
		t.Errorf("run over a final invoice: %+v", r)
	}
	if r := runCLI(t, nil, "invoice", "list", "--json", "--config", conf, "--db", db); !strings.Contains(r.stdout, `"number": "2026-000001"`) && !strings.Contains(r.stdout, `"number":"2026-000001"`) {
		t.Errorf("invoice list: %+v", r)
	}
	if r := runCLI(t, nil, "invoice", "credit", "acme-2026-10", "--reason", "goodwill", "--amount", "1.00", "--config", conf, "--db", db); r.code != 0 ||
		!strings.Contains(r.stdout, "credit note CN-2026-000001 (acme-2026-10-cn1) for acme-2026-10: EUR -1.19") {
		t.Errorf("invoice credit: %+v", r)
	}
	if r := runCLI(t, nil, "invoice", "credit", "acme-2026-10", "--reason", "x", "--amount", "0.001", "--config", conf, "--db", db); r.code != 1 ||
		!strings.Contains(r.stderr, "EUR has 2 decimals") {
		t.Errorf("credit of more decimals than EUR has: %+v", r)
	}
	if r := runCLI(t, nil, "invoice", "credit", "acme-2026-10", "--config", conf, "--db", db); r.code != 2 {
		t.Errorf("credit without a reason: %+v", r)
	}
	if r := runCLI(t, nil, "invoice", "run", "--period", "October", "--config", conf, "--db", db); r.code != 2 {
		t.Errorf("bad period: %+v", r)
	}
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, "billing:\n  plans:\n    - {name: standard, currency: euro, monthly_fee: -1}\n")
	if r := runCLI(t, nil, "invoice", "run", "--period", "2026-10", "--config", bad, "--db", db); r.code != 1 || !strings.Contains(r.stderr, "billing.plans[0]") || !strings.Contains(r.stderr, "currency") {
		t.Errorf("bad plan: %+v", r)
	}
}

func fileHasPrefix(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 8 {
		return ""
	}
	return string(b[:8])
}
