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

// The CLI refuses a plan the configuration does not define, naming it and
// saying where plans are defined.
func TestCustomerPlanCLI(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		conf := plansConfig(t, "standard", "gold")
		r := runCLI(t, nil, "customer", "add", "acme", "--name", "Acme", "--plan", "platinum", "--config", conf, "--db", db)
		if r.code != 1 || !strings.Contains(r.stderr, `plan "platinum" is not defined`) ||
			!strings.Contains(r.stderr, "define the plan under billing.plans in the configuration file") || !strings.Contains(r.stderr, "it defines standard, gold") {
			t.Errorf("customer add with an undefined plan: %+v", r)
		}
		if r := runCLI(t, nil, "customer", "add", "acme", "--name", "Acme", "--plan", "standard", "--config", conf, "--db", db); r.code != 0 {
			t.Fatalf("customer add: %+v", r)
		}
		r = runCLI(t, nil, "customer", "update", "acme", "--plan", "platinum", "--config", conf, "--db", db)
		if r.code != 1 || !strings.Contains(r.stderr, `plan "platinum" is not defined`) || !strings.Contains(r.stderr, "billing.plans") {
			t.Errorf("customer update with an undefined plan: %+v", r)
		}
		if r := runCLI(t, nil, "customer", "list", "--json", "--config", conf, "--db", db); !strings.Contains(r.stdout, `"plan": "standard"`) {
			t.Errorf("the refused update changed the plan: %+v", r)
		}
		r = runCLI(t, nil, "customer", "add", "globex", "--name", "Globex", "--plan", "standard", "--config", plansConfig(t), "--db", db)
		if r.code != 1 || !strings.Contains(r.stderr, "it defines none") {
			t.Errorf("customer add without plans configured: %+v", r)
		}
		csv := filepath.Join(t.TempDir(), "dir.csv")
		writeFile(t, csv, "address,customer,plan\na@one.example,one,platinum\nb@two.example,two,gold\n")
		r = runCLI(t, nil, "directory", "import", csv, "--config", conf, "--db", db)
		if r.code != 1 || !strings.Contains(r.stderr, `dir.csv:2: rejected: plan "platinum" is not defined`) || !strings.Contains(r.stdout, "1 mailboxes created") {
			t.Errorf("import with an undefined plan: %+v", r)
		}
	})
}

// One customer whose plan was dropped from the configuration keeps no
// other from its invoice: the run prints each failure, lists them with
// --json, and exits non-zero.
func TestInvoiceRunFailuresCLI(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		both, standard := plansConfig(t, "standard", "gold"), plansConfig(t, "standard")
		for _, args := range [][]string{
			{"customer", "add", "acme", "--name", "Acme", "--plan", "standard"},
			{"customer", "add", "globex", "--name", "Globex", "--plan", "gold"},
			{"domain", "add", "acme.example", "--customer", "acme"},
			{"domain", "add", "globex.example", "--customer", "globex"},
			{"mailbox", "add", "alice@acme.example", "--created", "2026-09-01T00:00:00Z"},
			{"mailbox", "add", "gus@globex.example", "--created", "2026-09-01T00:00:00Z"},
		} {
			if r := runCLI(t, nil, append(args, "--config", both, "--db", db)...); r.code != 0 {
				t.Fatalf("%v: %+v", args, r)
			}
		}
		r := runCLI(t, nil, "invoice", "run", "--period", "2026-10", "--config", standard, "--db", db)
		if r.code != 1 || !strings.Contains(r.stdout, "acme-2026-10  acme      EUR 5.95") ||
			!strings.Contains(r.stderr, `globex-2026-10 not computed: customer globex has plan "gold", which the billing configuration does not define`) ||
			!strings.Contains(r.stderr, "it defines standard), or give the customer another (customer update globex --plan PLAN)") ||
			!strings.Contains(r.stderr, "1 of 2 customers could not be billed") {
			t.Errorf("invoice run: %+v", r)
		}
		r = runCLI(t, nil, "invoice", "run", "--period", "2026-10", "--json", "--config", standard, "--db", db)
		var out struct {
			Invoices []struct{ ID, Customer string }
			Failures []struct{ Customer, Type, Field, Detail string }
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 1 {
			t.Fatalf("invoice run --json: %v, %+v", err, r)
		}
		if len(out.Invoices) != 1 || out.Invoices[0].ID != "acme-2026-10" || len(out.Failures) != 1 || out.Failures[0].Customer != "globex" ||
			out.Failures[0].Type != "conflict" || out.Failures[0].Field != "plan" || !strings.Contains(out.Failures[0].Detail, `"gold"`) {
			t.Errorf("invoice run --json: %+v", out)
		}
		if r := runCLI(t, nil, "invoice", "list", "--config", standard, "--db", db); !strings.Contains(r.stdout, "acme-2026-10") || strings.Contains(r.stdout, "globex") {
			t.Errorf("invoice list: %+v", r)
		}
		if r := runCLI(t, nil, "invoice", "run", "--period", "2026-10", "--config", both, "--db", db); r.code != 0 || !strings.Contains(r.stdout, "globex-2026-10") {
			t.Errorf("invoice run with the plan back: %+v", r)
		}

		// Period bounds: a month before the customers existed is skipped,
		// one more than a month ahead refused.
		if r := runCLI(t, nil, "invoice", "run", "--period", "2026-08", "--config", both, "--db", db); r.code != 0 || strings.Count(r.stdout, "before the customer existed") != 2 {
			t.Errorf("a month before the customers: %+v", r)
		}
		if r := runCLI(t, nil, "invoice", "run", "--period", "2099-01", "--config", both, "--db", db); r.code != 1 || !strings.Contains(r.stderr, "period 2099-01 is more than one month ahead") {
			t.Errorf("a month far ahead: %+v", r)
		}

		// A credit note of an amount near 2^63 is more than is left.
		if r := runCLI(t, nil, "invoice", "finalize", "acme-2026-10", "--config", both, "--db", db); r.code != 0 {
			t.Fatalf("finalize: %+v", r)
		}
		r = runCLI(t, nil, "invoice", "credit", "acme-2026-10", "--reason", "x", "--amount", "9223372036854775807", "--config", both, "--db", db)
		if r.code != 1 || !strings.Contains(r.stderr, "crediting 109758127238571832.10 would exceed what is left of the invoice (5.95 of 5.95)") {
			t.Errorf("credit near 2^63: %+v", r)
		}
		if r := runCLI(t, nil, "invoice", "credit", "acme-2026-10", "--reason", "x", "--amount", "9223372036854775808", "--config", both, "--db", db); r.code != 2 {
			t.Errorf("credit of 2^63: %+v", r)
		}
	})
}
