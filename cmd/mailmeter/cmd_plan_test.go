package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

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
