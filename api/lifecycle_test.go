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

// GET /v1/quota/check answers what the policy server would: a full
// mailbox, a sender at its daily limit, room, and bad input.
func TestQuotaCheck(t *testing.T) {
	e := sqliteEnv(t)
	seedUsage(t, e) // alice: 900 KiB stored, 9 recipients and 700 bytes sent today
	admin, service := token(t, api.RoleAdmin, "ops"), token(t, api.RoleService, "mx1")
	e.do("PUT", "/v1/mailboxes/alice@acme.example/limits", admin, `{"storage_hard_bytes":921600,"outbound_recipients_per_day":10,"outbound_bytes_per_day":1000}`)
	type check struct {
		Action   string `json:"action"`
		Refused  bool   `json:"refused"`
		Code     int    `json:"code"`
		Enhanced string `json:"enhanced_status"`
		Message  string `json:"message"`
		Check    string `json:"check"`
		Mailbox  string `json:"mailbox"`
	}
	get := func(q string) check {
		t.Helper()
		rec := e.do("GET", "/v1/quota/check?"+q, service, nil)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", q, rec.Code, rec.Body.String())
		}
		return decode[check](t, rec)
	}
	if c := get("recipient=Alice%2Bx@acme.example"); !c.Refused || c.Code != 552 || c.Enhanced != "5.2.2" || c.Check != "storage" ||
		c.Mailbox != "alice@acme.example" || c.Message != "Mailbox is full" || c.Action != "552 5.2.2 "+c.Message {
		t.Errorf("full mailbox: %+v", c)
	}
	// Every spelling of the full mailbox: trailing dot, upper case, tag.
	for _, rcpt := range []string{"alice@acme.example.", "ALICE@ACME.EXAMPLE", "%3CAlice%2Bnews@Acme.Example.%3E"} {
		if c := get("recipient=" + rcpt); !c.Refused || c.Mailbox != "alice@acme.example" || c.Message != "Mailbox is full" {
			t.Errorf("full mailbox spelled %s: %+v", rcpt, c)
		}
	}
	if c := get("recipient=bob@acme.example&size=100"); c.Refused || c.Action != "DUNNO" || c.Code != 0 {
		t.Errorf("room: %+v", c)
	}
	if c := get("recipient=someone@remote.example&sasl_username=alice@acme.example"); c.Refused {
		t.Errorf("10th recipient of 10: %+v", c)
	}
	if c := get("recipient=someone@remote.example&sasl_username=alice@acme.example&size=301"); !c.Refused || c.Code != 452 || c.Enhanced != "4.7.1" {
		t.Errorf("bytes over the day's limit: %+v", c)
	}
	if c := get("stage=data&sasl_username=alice@acme.example&size=101&recipients=3"); !c.Refused || c.Check != "outbound" {
		t.Errorf("data stage, 303 more bytes of the 300 left: %+v", c)
	}
	if c := get("stage=data&sasl_username=alice@acme.example&size=100&recipients=3"); c.Refused {
		t.Errorf("data stage, exactly the 300 bytes left: %+v", c)
	}
	for q, field := range map[string]string{
		"":                               "recipient",
		"recipient=a@b.example&size=-1":  "size",
		"recipient=a@b.example&stage=x":  "stage",
		"stage=data&size=5":              "sasl_username",
		"recipient=a%0A@b.example":       "recipient",
		"recipient=a@b.example%0A":       "recipient",
		"recipient=a%00@b.example":       "recipient",
		"recipient=nobody":               "recipient",
		"recipient=a@b..example":         "recipient",
		"recipient=a@xn--zz.example":     "recipient",
		"recipient=a@b.example&size=big": "size",
	} {
		problem(t, e.do("GET", "/v1/quota/check?"+q, service, nil), 400, "invalid", field)
	}
	problem(t, e.do("GET", "/v1/quota/check?recipient=a@b.example", token(t, api.RoleMailbox, "alice@acme.example"), nil), 403, "forbidden", "")
}

// Plan limits are the default of a plan's mailboxes; a mailbox's own
// limits replace them until deleted; monthly limits show in the quota bar.
func TestPlanLimitsAPI(t *testing.T) {
	e := sqliteEnv(t)
	seedUsage(t, e)
	admin := token(t, api.RoleAdmin, "ops")
	if rec := e.do("PATCH", "/v1/customers/acme", admin, `{"plan":"gold"}`); rec.Code != 200 {
		t.Fatalf("plan: %d", rec.Code)
	}
	problem(t, e.do("GET", "/v1/plans/gold/limits", admin, nil), 404, "not_found", "")
	rec := e.do("PUT", "/v1/plans/gold/limits", admin, `{"storage_hard_bytes":2000000,"outbound_recipients_per_month":10}`)
	if p := decode[map[string]any](t, rec); rec.Code != 200 || p["plan"] != "gold" || p["outbound_recipients_per_month"] != 10.0 {
		t.Fatalf("PUT plan limits: %d %s", rec.Code, rec.Body.String())
	}
	problem(t, e.do("PUT", "/v1/plans/gold/limits", admin, `{"messages_soft":5,"messages_hard":1}`), 400, "invalid", "messages_hard")
	problem(t, e.do("PUT", "/v1/plans/gold/limits", admin, `{"mailbox":"x@y.example"}`), 400, "invalid", "")
	// The view picks the customer's new plan up at its next refresh.
	if err := e.view.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	if l := e.do("GET", "/v1/mailboxes/alice@acme.example/limits", admin, nil).Body.String(); !strings.Contains(l, `"source":"plan"`) || !strings.Contains(l, `"plan":"gold"`) || !strings.Contains(l, `"storage_hard_bytes":2000000`) {
		t.Errorf("alice's limits from the plan: %s", l)
	}
	q := e.do("GET", "/v1/mailboxes/alice@acme.example/quota", admin, nil).Body.String()
	if !strings.Contains(q, `"outbound_month":{"used_bytes":700,"used_recipients":9,"limit_recipients":10,"percent":90,"status":"warning"`) {
		t.Errorf("monthly meter: %s", q)
	}
	e.do("PUT", "/v1/mailboxes/alice@acme.example/limits", admin, `{"storage_hard_bytes":5}`)
	if l := e.do("GET", "/v1/mailboxes/alice@acme.example/limits", admin, nil).Body.String(); !strings.Contains(l, `"source":"mailbox"`) || !strings.Contains(l, `"storage_hard_bytes":5,`) {
		t.Errorf("own limits: %s", l)
	}
	if rec := e.do("DELETE", "/v1/mailboxes/alice@acme.example/limits", admin, nil); rec.Code != 204 {
		t.Errorf("DELETE limits: %d", rec.Code)
	}
	problem(t, e.do("DELETE", "/v1/mailboxes/alice@acme.example/limits", admin, nil), 404, "not_found", "")
	if l := e.do("GET", "/v1/mailboxes/alice@acme.example/limits", admin, nil).Body.String(); !strings.Contains(l, `"source":"plan"`) {
		t.Errorf("after DELETE: %s", l)
	}
	if l := e.do("GET", "/v1/mailboxes/carol@globex.example/limits", admin, nil).Body.String(); !strings.Contains(l, `"source":"none"`) {
		t.Errorf("carol: %s", l)
	}
}

// Invoices through the API: an admin runs and finalizes a month, a
// customer reads its own and never another's.
func TestInvoicesAPI(t *testing.T) {
	e := sqliteEnv(t)
	admin, acme := token(t, api.RoleAdmin, "ops"), token(t, api.RoleCustomer, "acme")
	e.do("PATCH", "/v1/customers/acme", admin, `{"plan":"standard"}`)
	rec := e.do("POST", "/v1/invoices/run", admin, `{"period":"2026-10"}`)
	type outcome struct {
		ID, Customer, Currency, Skipped string
		Total                           int64
	}
	run := decode[struct{ Invoices []outcome }](t, rec)
	// Whatever acme's mailboxes' lifetimes, its lines must add up to the
	// total the run reports.
	if rec.Code != 200 || len(run.Invoices) != 2 || run.Invoices[0].Customer != "acme" || run.Invoices[0].Currency != "EUR" || run.Invoices[1].Skipped != "no plan" {
		t.Fatalf("run: %d %s", rec.Code, rec.Body.String())
	}
	type invoice struct {
		ID, Customer, Status, Number, Currency string
		Total, Net, Tax                        int64
		Lines                                  []struct {
			Kind   string
			Amount int64
		}
	}
	inv := decode[invoice](t, e.do("GET", "/v1/invoices/acme-2026-10", acme, nil))
	var sum int64
	for _, l := range inv.Lines {
		sum += l.Amount
	}
	if inv.Status != "draft" || inv.Total != run.Invoices[0].Total || sum != inv.Net || inv.Net+inv.Tax != inv.Total {
		t.Errorf("acme's invoice: %+v", inv)
	}
	problem(t, e.do("GET", "/v1/invoices/acme-2026-10", token(t, api.RoleCustomer, "globex"), nil), 404, "not_found", "")
	problem(t, e.do("GET", "/v1/invoices/nope", acme, nil), 404, "not_found", "")
	if l := e.do("GET", "/v1/invoices?customer=globex", acme, nil).Body.String(); !strings.Contains(l, "acme-2026-10") || strings.Contains(l, "globex") {
		t.Errorf("acme's list: %s", l)
	}
	rec = e.do("POST", "/v1/invoices/acme-2026-10/finalize", admin, nil)
	if f := decode[invoice](t, rec); rec.Code != 200 || f.Status != "final" || f.Number != "2026-000001" {
		t.Errorf("finalize: %d %s", rec.Code, rec.Body.String())
	}
	problem(t, e.do("POST", "/v1/invoices/acme-2026-10/finalize", admin, nil), 409, "conflict", "")
	rec = e.do("POST", "/v1/invoices/acme-2026-10/credit-notes", admin, `{"reason":"goodwill","amount":10}`)
	if cn := decode[map[string]any](t, rec); rec.Code != 201 || cn["kind"] != "credit_note" || cn["number"] != "CN-2026-000001" || cn["credits"] != "acme-2026-10" || cn["net"] != -10.0 {
		t.Errorf("credit note: %d %s", rec.Code, rec.Body.String())
	}
	if rec := e.do("GET", "/v1/invoices/acme-2026-10-cn1", acme, nil); rec.Code != 200 {
		t.Errorf("acme reads its credit note: %d", rec.Code)
	}
	problem(t, e.do("POST", "/v1/invoices/acme-2026-10/credit-notes", admin, `{"amount":5}`), 400, "invalid", "reason")
	problem(t, e.do("POST", "/v1/invoices/acme-2026-10/credit-notes", admin, `{"reason":"x","amount":-5}`), 400, "invalid", "amount")
	problem(t, e.do("POST", "/v1/invoices/acme-2026-10/credit-notes", admin, `{"reason":"x","amount":999999999}`), 409, "conflict", "amount")
	problem(t, e.do("POST", "/v1/invoices/run", admin, `{"period":"Oct"}`), 400, "invalid", "period")
	problem(t, e.do("POST", "/v1/invoices/run", admin, `{"period":"2026-10","customer":"nobody"}`), 404, "not_found", "")
	problem(t, e.do("PATCH", "/v1/customers/globex", admin, `{"plan":"platinum"}`), 400, "invalid", "plan")
}
