package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// customer add and update take billing details; list --json shows them
// under the API's names; a bad one is refused naming it.
func TestCustomerBillingCLI(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		conf := plansConfig(t, "standard")
		cli := func(args ...string) result { return runCLI(t, nil, append(args, "--config", conf, "--db", db)...) }
		if r := cli("customer", "add", "acme", "--name", "Acme", "--plan", "standard", "--legal-name", "Åcme Sàrl 艾克米",
			"--address", "Rue du Rhône 1", "--postal-code", "1204", "--city", "Genève", "--country", "ch", "--vat-id", "CHE-123.456.789 MWST",
			"--billing-email", "billing@acme.example", "--tax-bp", "810"); r.code != 0 {
			t.Fatalf("add: %+v", r)
		}
		if r := cli("customer", "update", "acme", "--city", "Lausanne", "--tax-bp", "plan"); r.code != 0 {
			t.Fatalf("update: %+v", r)
		}
		r := cli("customer", "list", "--json")
		var cs []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &cs); err != nil || len(cs) != 1 {
			t.Fatalf("list: %v %+v", err, r)
		}
		c := cs[0]
		if c["legal_name"] != "Åcme Sàrl 艾克米" || c["city"] != "Lausanne" || c["postal_code"] != "1204" || c["country"] != "CH" ||
			c["vat_id"] != "CHE123456789MWST" || c["billing_email"] != "billing@acme.example" || c["tax_bp"] != nil {
			t.Errorf("listed: %v", c)
		}
		if r := cli("customer", "update", "acme", "--country", "Schweiz"); r.code != 1 || !strings.Contains(r.stderr, "Schweiz") {
			t.Errorf("bad country: %+v", r)
		}
		if r := cli("customer", "update", "acme", "--tax-bp", "lots"); r.code != 2 || !strings.Contains(r.stderr, "tax-bp") {
			t.Errorf("bad tax-bp: %+v", r)
		}
	})
}
