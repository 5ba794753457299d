package api_test

import (
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/api"
)

// Customers and domains change and go through the API by the directory's
// rules, with problem+json for every refusal.
func TestDirectoryUpdateAndRemove(t *testing.T) {
	e := sqliteEnv(t)
	admin := token(t, api.RoleAdmin, "ops")

	rec := e.do("PATCH", "/v1/customers/acme", admin, `{"name":"Acme GmbH","currency":"chf"}`)
	cu := decode[map[string]string](t, rec)
	if rec.Code != 200 || cu["name"] != "Acme GmbH" || cu["currency"] != "CHF" || cu["timezone"] == "" {
		t.Errorf("PATCH customer: %d %s", rec.Code, rec.Body.String())
	}
	if got := e.do("GET", "/v1/customers/acme", admin, nil).Body.String(); !strings.Contains(got, `"name":"Acme GmbH"`) {
		t.Errorf("customer after PATCH: %s", got)
	}
	problem(t, e.do("PATCH", "/v1/customers/acme", admin, `{"timezone":"Mars/Olympus"}`), 400, "invalid", "timezone")
	problem(t, e.do("PATCH", "/v1/customers/acme", admin, `{"colour":"red"}`), 400, "invalid", "")
	problem(t, e.do("PATCH", "/v1/customers/nobody", admin, `{"name":"x"}`), 404, "not_found", "")

	// acme owns acme.example, which has mailboxes: neither can go yet.
	problem(t, e.do("DELETE", "/v1/customers/acme", admin, nil), 409, "conflict", "")
	problem(t, e.do("DELETE", "/v1/domains/acme.example", admin, nil), 409, "conflict", "")
	problem(t, e.do("DELETE", "/v1/domains/not_a%20domain", admin, nil), 400, "invalid", "domain")

	// Move the domain to globex: acme's customer token no longer sees it.
	rec = e.do("PATCH", "/v1/domains/ACME.example", admin, `{"customer":"globex"}`)
	if d := decode[map[string]string](t, rec); rec.Code != 200 || d["customer"] != "globex" || d["domain"] != "acme.example" {
		t.Errorf("PATCH domain: %d %s", rec.Code, rec.Body.String())
	}
	problem(t, e.do("GET", "/v1/domains/acme.example", token(t, api.RoleCustomer, "acme"), nil), 404, "not_found", "")
	if rec := e.do("GET", "/v1/domains/acme.example", token(t, api.RoleCustomer, "globex"), nil); rec.Code != 200 {
		t.Errorf("new owner reads the domain: %d", rec.Code)
	}
	problem(t, e.do("PATCH", "/v1/domains/acme.example", admin, `{"customer":"nobody"}`), 404, "not_found", "")
	problem(t, e.do("PATCH", "/v1/domains/acme.example", admin, `{}`), 400, "invalid", "customer")

	// acme now owns nothing and goes; its id is not reused.
	if rec := e.do("DELETE", "/v1/customers/acme", admin, nil); rec.Code != 204 {
		t.Fatalf("DELETE customer: %d %s", rec.Code, rec.Body.String())
	}
	problem(t, e.do("GET", "/v1/customers/acme", admin, nil), 404, "not_found", "")
	problem(t, e.do("POST", "/v1/customers", admin, `{"id":"acme","name":"Again"}`), 409, "conflict", "id")

	// The domain goes once its mailboxes have.
	for _, m := range []string{"alice@acme.example", "bob@acme.example"} {
		if rec := e.do("DELETE", "/v1/mailboxes/"+m, admin, nil); rec.Code != 204 {
			t.Fatalf("DELETE %s: %d", m, rec.Code)
		}
	}
	if rec := e.do("DELETE", "/v1/domains/acme.example", admin, nil); rec.Code != 204 {
		t.Fatalf("DELETE domain: %d %s", rec.Code, rec.Body.String())
	}
	problem(t, e.do("DELETE", "/v1/domains/acme.example", admin, nil), 404, "not_found", "")
	problem(t, e.do("POST", "/v1/mailboxes", admin, `{"address":"dora@acme.example"}`), 404, "not_found", "address")
	if rec := e.do("POST", "/v1/domains", admin, `{"domain":"acme.example","customer":"globex"}`); rec.Code != 201 {
		t.Errorf("re-adding the removed domain: %d %s", rec.Code, rec.Body.String())
	}
}
