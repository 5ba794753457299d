package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/api"
)

// Plans through the CLI: added with decimals of their currency, shown as
// the API's JSON, changed by versions from a day; a customer moved
// mid-month is billed by each plan for its days.
func TestPlanCLI(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		conf := filepath.Join(t.TempDir(), "m.yaml")
		writeFile(t, conf, "log: {level: warn}\n")
		cli := func(args ...string) result {
			t.Helper()
			return runCLI(t, nil, append(args, "--config", conf, "--db", db)...)
		}
		if r := cli("plan", "add", "yen", "--currency", "JPY", "--mailbox-fee", "550", "--tax-rate", "10"); r.code != 0 || !strings.Contains(r.stdout, "plan yen: version from 1970-01-01 stored") {
			t.Fatalf("plan add: %+v", r)
		}
		for args, want := range map[string]string{
			"plan add bad --currency JPY --mailbox-fee 5.5":                             "JPY has 0 decimals",
			"plan add bad --currency EUR --mailbox-fee 4.001":                           "EUR has 2 decimals",
			"plan add bad --currency XXY --mailbox-fee 4":                               "ISO 4217",
			"plan add yen --currency JPY --mailbox-fee 1":                               "plan yen exists already",
			"plan update nope --mailbox-fee 1":                                          "plan nope does not exist",
			"plan add bad --currency EUR --mailbox-fee 1 --storage-tiers 10:0.1,5:0.05": "bounds must increase",
		} {
			if r := cli(strings.Fields(args)...); r.code != 1 || !strings.Contains(r.stderr, want) {
				t.Errorf("%s: %+v, want %q", args, r, want)
			}
		}
		if r := cli("plan", "add", "bad", "--currency", "EUR"); r.code != 2 {
			t.Errorf("plan add without a fee: %+v", r)
		}
		for _, args := range [][]string{
			{"plan", "add", "basic", "--currency", "EUR", "--mailbox-fee", "5.00", "--tax-rate", "19", "--storage-tiers", "10:0.10,:0.05", "--included-storage", "1000000000"},
			{"plan", "add", "pro", "--currency", "EUR", "--mailbox-fee", "8.00", "--tax-rate", "19", "--storage-pooled", "--domain-fee", "1.00"},
			{"plan", "update", "basic", "--mailbox-fee", "6.00", "--effective", "2026-11-01"},
			{"customer", "add", "acme", "--name", "Acme", "--plan", "basic"},
			{"domain", "add", "acme.example", "--customer", "acme"},
			{"mailbox", "add", "alice@acme.example", "--created", "2026-09-01T00:00:00Z"},
			{"customer", "update", "acme", "--plan", "pro", "--effective", "2026-11-16"},
		} {
			if r := cli(args...); r.code != 0 {
				t.Fatalf("%v: %+v", args, r)
			}
		}
		r := cli("plan", "show", "basic", "--json")
		var p api.PlanJSON
		if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
			t.Fatalf("plan show --json: %v %+v", err, r)
		}
		if p.ID != "basic" || len(p.Versions) != 2 || p.Versions[0].MailboxFee != "5.00" || p.Versions[1].MailboxFee != "6.00" ||
			p.Versions[1].EffectiveFrom != "2026-11-01" || len(p.Versions[1].StorageTiers) != 2 || p.Versions[1].StorageTiers[0].PerGB != "0.10" {
			t.Errorf("plan show --json: %+v", p)
		}
		if r := cli("plan", "list"); !strings.Contains(r.stdout, "yen    JPY       550          10.00%") {
			t.Errorf("plan list: %+v", r)
		}
		// October at basic's first price: 5.00 + 19 % = 5.95. November: basic
		// at 6.00 for 15 days (3.00), pro at 8.00 (4.00) and its domain fee
		// (0.50): 7.50 + 1.43 (1.425) = 8.93.
		r = cli("invoice", "run", "--period", "2026-10")
		if !strings.Contains(r.stdout, "EUR 5.95") {
			t.Errorf("October: %+v", r)
		}
		r = cli("invoice", "run", "--period", "2026-11")
		if r.code != 0 || !strings.Contains(r.stdout, "EUR 8.93") {
			t.Errorf("November: %+v", r)
		}
		if r := cli("invoice", "show", "acme-2026-11"); !strings.Contains(r.stdout, "(plan pro from 2026-11-16)") || !strings.Contains(r.stdout, "Plan basic, pro") {
			t.Errorf("November's invoice: %s", r.stdout)
		}
		if r := cli("customer", "update", "acme", "--plan", "basic", "--effective", "2099-01-01"); r.code != 1 || !strings.Contains(r.stderr, "or earlier") {
			t.Errorf("a change in the future: %+v", r)
		}
		if r := cli("customer", "update", "acme", "--effective", "2026-11-01"); r.code != 2 {
			t.Errorf("--effective without --plan: %+v", r)
		}
	})
}

// A plan added with a per-service SLA (plan add --sla, the API's sla
// object with presets) keeps it in the database: plan show prints each
// service's promise, the service report credits by it, and the invoice
// carries the credit of the service that missed its target.
func TestPlanSLAPerServiceFromDatabase(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		conf := filepath.Join(t.TempDir(), "m.yaml")
		writeFile(t, conf, "probes:\n  - {name: mx1, kind: smtp, address: \"127.0.0.1:25\"}\nservices:\n  - {name: smtp, probes: [mx1]}\n")
		cli := func(args ...string) result { return runCLI(t, nil, append(args, "--config", conf, "--db", db)...) }
		slaJSON := `{"services": [{"service": "smtp", "preset": "credits-25-50-100"},
			{"service": "webmail", "preset": "credits-10-25-100", "target_ppm": 990000}], "cap_bp": 5000}`
		berlin, _ := time.LoadLocation("Europe/Berlin")
		now := time.Now().In(berlin)
		month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, berlin).AddDate(0, -1, 0)
		day10 := month.AddDate(0, 0, 9).Add(10 * time.Hour)
		for _, args := range [][]string{
			{"plan", "add", "gold", "--currency", "EUR", "--mailbox-fee", "5.00", "--sla", slaJSON},
			{"customer", "add", "acme", "--name", "Acme", "--plan", "gold", "--timezone", "Europe/Berlin"},
			{"domain", "add", "acme.example", "--customer", "acme"},
			{"mailbox", "add", "alice@acme.example", "--created", "2020-01-01T00:00:00Z"},
			{"sla", "incident", "add", "--service", "webmail", "--start", day10.UTC().Format(time.RFC3339),
				"--end", day10.Add(time.Hour).UTC().Format(time.RFC3339), "--reason", "provider outage"},
		} {
			if r := cli(args...); r.code != 0 {
				t.Fatalf("%v: %+v", args, r)
			}
		}
		if r := cli("plan", "show", "gold"); r.code != 0 || !strings.Contains(r.stdout, "sla: smtp 99.9 %, credits 25 % below 99.9 %, 50 % below 99 %, 100 % below 95 %") ||
			!strings.Contains(r.stdout, "sla: webmail 99 %, credits 10 % below 99.9 %") {
			t.Errorf("plan show: %+v", r)
		}
		var p struct {
			SLA struct {
				Services []struct {
					Service   string `json:"service"`
					TargetPPM int64  `json:"target_ppm"`
				} `json:"services"`
				CapBP int64 `json:"cap_bp"`
			} `json:"sla"`
		}
		if r := cli("plan", "show", "gold", "--json"); json.Unmarshal([]byte(r.stdout), &p) != nil || len(p.SLA.Services) != 2 ||
			p.SLA.Services[1].Service != "webmail" || p.SLA.Services[1].TargetPPM != 990000 || p.SLA.CapBP != 5000 {
			t.Errorf("plan show --json: %+v", p)
		}
		period := month.Format("2006-01")
		if r := cli("sla", "report", "--period", period, "--customer", "acme"); r.code != 0 || !strings.Contains(r.stdout, "plan gold: 10.00% of the fees (for webmail)") {
			t.Errorf("sla report: %+v", r)
		}
		if r := cli("invoice", "run", "--period", period); r.code != 0 {
			t.Fatalf("invoice run: %+v", r)
		}
		r := cli("invoice", "show", "acme-"+period)
		for _, want := range []string{"SLA credit 10.00% of the fees: webmail uptime", "(60 min down", "-0.50"} {
			if r.code != 0 || !strings.Contains(r.stdout, want) {
				t.Errorf("invoice lacks %q:\n%s", want, r.stdout)
			}
		}
		if r := cli("plan", "add", "bad", "--currency", "EUR", "--mailbox-fee", "1", "--sla", `{"services": [{"service": "smtp", "preset": "gold"}]}`); r.code == 0 ||
			!strings.Contains(r.stderr, `preset "gold"`) {
			t.Errorf("an unknown preset: %+v", r)
		}
	})
}
