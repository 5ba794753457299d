package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/store/storetest"
)

// eachDB runs fn on a new SQLite file and on a throw-away PostgreSQL
// database (skipped without MAILMETER_TEST_POSTGRES).
func eachDB(t *testing.T, fn func(t *testing.T, db string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, "sqlite:"+filepath.Join(t.TempDir(), "m.db")) })
	t.Run("postgres", func(t *testing.T) { fn(t, storetest.PostgresURL(t)) })
}

// plansConfig writes a configuration defining the named plans (EUR, 5.00
// per mailbox, 19 % tax) and returns its path.
func plansConfig(t *testing.T, names ...string) string {
	t.Helper()
	text := "billing:\n  plans:\n"
	for _, n := range names {
		text += "    - {name: " + n + ", currency: EUR, monthly_fee: 500, tax_bp: 1900}\n"
	}
	if len(names) == 0 {
		text = "billing: {plans: []}\n"
	}
	path := filepath.Join(t.TempDir(), "m.yaml")
	writeFile(t, path, text)
	return path
}

// The CLI refuses a plan the database does not define, naming it and
// saying how plans are defined; configured plans are imported once and
// stay when the file no longer lists them.
func TestCustomerPlanCLI(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		conf := plansConfig(t, "standard", "gold")
		r := runCLI(t, nil, "customer", "add", "acme", "--name", "Acme", "--plan", "platinum", "--config", conf, "--db", db)
		if r.code != 1 || !strings.Contains(r.stderr, `plan "platinum" is not defined`) ||
			!strings.Contains(r.stderr, "mailmeter plan add ID --currency CUR --mailbox-fee AMOUNT") ||
			!strings.Contains(r.stderr, "imported plans from billing.plans") || !strings.Contains(r.stderr, "plans=standard,gold") {
			t.Errorf("customer add with an undefined plan: %+v", r)
		}
		if r := runCLI(t, nil, "customer", "add", "acme", "--name", "Acme", "--plan", "standard", "--config", conf, "--db", db); r.code != 0 ||
			strings.Contains(r.stderr, "imported") {
			t.Fatalf("customer add (nothing imported again): %+v", r)
		}
		r = runCLI(t, nil, "customer", "update", "acme", "--plan", "platinum", "--config", conf, "--db", db)
		if r.code != 1 || !strings.Contains(r.stderr, `plan "platinum" is not defined`) || !strings.Contains(r.stderr, "mailmeter plan list") {
			t.Errorf("customer update with an undefined plan: %+v", r)
		}
		if r := runCLI(t, nil, "customer", "list", "--json", "--config", conf, "--db", db); !strings.Contains(r.stdout, `"plan": "standard"`) {
			t.Errorf("the refused update changed the plan: %+v", r)
		}
		// The database keeps the plans a file no longer lists.
		if r := runCLI(t, nil, "customer", "add", "globex", "--name", "Globex", "--plan", "gold", "--config", plansConfig(t), "--db", db); r.code != 0 {
			t.Errorf("customer add with the plan in the database only: %+v", r)
		}
		csv := filepath.Join(t.TempDir(), "dir.csv")
		writeFile(t, csv, "address,customer,plan\na@one.example,one,platinum\nb@two.example,two,gold\n")
		r = runCLI(t, nil, "directory", "import", csv, "--config", conf, "--db", db)
		if r.code != 1 || !strings.Contains(r.stderr, `dir.csv:2: rejected: plan "platinum" is not defined`) || !strings.Contains(r.stdout, "1 mailboxes created") {
			t.Errorf("import with an undefined plan: %+v", r)
		}
		// A file pricing a plan otherwise than the database is reported; the database's prices apply.
		writeFile(t, conf, "billing:\n  plans:\n    - {name: standard, currency: EUR, mailbox_fee: \"6.00\"}\n")
		if r := runCLI(t, nil, "customer", "list", "--config", conf, "--db", db); !strings.Contains(r.stdout, "acme") {
			t.Errorf("customer list: %+v", r)
		}
		if r := runCLI(t, nil, "plan", "show", "standard", "--config", conf, "--db", db); r.code != 0 || !strings.Contains(r.stdout, "mailbox fee 5.00") ||
			!strings.Contains(r.stderr, "billing.plans differs from the database's plans") {
			t.Errorf("a differing seed: %+v", r)
		}
	})
}

// One customer that cannot be billed (its plan is priced in another
// currency) keeps no other from its invoice: the run prints each failure,
// lists them with --json, and exits non-zero.
func TestInvoiceRunFailuresCLI(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		conf := plansConfig(t, "standard", "gold")
		for _, args := range [][]string{
			{"customer", "add", "acme", "--name", "Acme", "--plan", "standard"},
			{"customer", "add", "globex", "--name", "Globex", "--plan", "gold", "--currency", "USD"},
			{"domain", "add", "acme.example", "--customer", "acme"},
			{"domain", "add", "globex.example", "--customer", "globex"},
			{"mailbox", "add", "alice@acme.example", "--created", "2026-09-01T00:00:00Z"},
			{"mailbox", "add", "gus@globex.example", "--created", "2026-09-01T00:00:00Z"},
		} {
			if r := runCLI(t, nil, append(args, "--config", conf, "--db", db)...); r.code != 0 {
				t.Fatalf("%v: %+v", args, r)
			}
		}
		r := runCLI(t, nil, "invoice", "run", "--period", "2026-10", "--config", conf, "--db", db)
		if r.code != 1 || !strings.Contains(r.stdout, "acme-2026-10  acme      EUR 5.95") ||
			!strings.Contains(r.stderr, `globex-2026-10 not computed: customer globex is billed in USD but plan gold is priced in EUR`) ||
			!strings.Contains(r.stderr, "1 of 2 customers could not be billed") {
			t.Errorf("invoice run: %+v", r)
		}
		r = runCLI(t, nil, "invoice", "run", "--period", "2026-10", "--json", "--config", conf, "--db", db)
		var out struct {
			Invoices []struct{ ID, Customer string }
			Failures []struct{ Customer, Type, Field, Detail string }
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 1 {
			t.Fatalf("invoice run --json: %v, %+v", err, r)
		}
		if len(out.Invoices) != 1 || out.Invoices[0].ID != "acme-2026-10" || len(out.Failures) != 1 || out.Failures[0].Customer != "globex" ||
			out.Failures[0].Type != "conflict" || out.Failures[0].Field != "currency" || !strings.Contains(out.Failures[0].Detail, "USD") {
			t.Errorf("invoice run --json: %+v", out)
		}
		if r := runCLI(t, nil, "invoice", "list", "--config", conf, "--db", db); !strings.Contains(r.stdout, "acme-2026-10") || strings.Contains(r.stdout, "globex") {
			t.Errorf("invoice list: %+v", r)
		}
		if r := runCLI(t, nil, "customer", "update", "globex", "--currency", "EUR", "--config", conf, "--db", db); r.code != 0 {
			t.Fatalf("customer update: %+v", r)
		}
		if r := runCLI(t, nil, "invoice", "run", "--period", "2026-10", "--config", conf, "--db", db); r.code != 0 || !strings.Contains(r.stdout, "globex-2026-10") {
			t.Errorf("invoice run with the currency fixed: %+v", r)
		}
	})
}
