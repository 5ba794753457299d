package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// A customer is created or changed only with a plan the billing
// configuration defines: 400 naming the plan field and the plan.
func TestCustomerPlanMustBeDefinedAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		admin := token(t, api.RoleAdmin, "ops")
		rec := e.do("POST", "/v1/customers", admin, `{"id":"initech","name":"Initech","plan":"platinum"}`)
		problem(t, rec, 400, "invalid", "plan")
		if !strings.Contains(rec.Body.String(), `\"platinum\"`) {
			t.Errorf("the answer does not name the plan: %s", rec.Body.String())
		}
		problem(t, e.do("GET", "/v1/customers/initech", admin, nil), 404, "not_found", "")
		problem(t, e.do("PATCH", "/v1/customers/acme", admin, `{"plan":"platinum"}`), 400, "invalid", "plan")
		if c := decode[map[string]any](t, e.do("GET", "/v1/customers/acme", admin, nil)); c["plan"] != "" {
			t.Errorf("refused PATCH changed the plan: %v", c)
		}
		if rec := e.do("POST", "/v1/customers", admin, `{"id":"initech","name":"Initech","plan":"gold"}`); rec.Code != 201 {
			t.Errorf("a defined plan: %d %s", rec.Code, rec.Body.String())
		}
	})
}

type runAnswer struct {
	Invoices []struct {
		ID, Customer, Currency, Skipped string
		Total                           int64
	}
	Failures []struct{ Customer, Type, Field, Detail string }
}

// A customer whose plan was dropped from the configuration fails alone:
// the others get their invoices (200) and the failure is listed; a run
// in which every customer failed answers that failure's problem (409),
// listing them too.
func TestInvoiceRunFailuresAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		admin := token(t, api.RoleAdmin, "ops")
		e.do("PATCH", "/v1/customers/acme", admin, `{"plan":"standard"}`)
		if _, err := directory.NewService(s, clock).UpdateCustomer(context.Background(), "globex", directory.CustomerPatch{Plan: ptr("platinum")}); err != nil {
			t.Fatal(err)
		}
		rec := e.do("POST", "/v1/invoices/run", admin, `{"period":"2026-10"}`)
		run := decode[runAnswer](t, rec)
		if rec.Code != 200 || len(run.Invoices) != 1 || run.Invoices[0].Customer != "acme" || run.Invoices[0].Total != 1190 {
			t.Fatalf("run: %d %s", rec.Code, rec.Body.String())
		}
		if f := run.Failures; len(f) != 1 || f[0].Customer != "globex" || f[0].Type != api.ProblemBase+"conflict" || f[0].Field != "plan" || !strings.Contains(f[0].Detail, `"platinum"`) {
			t.Errorf("failures: %s", rec.Body.String())
		}
		if rec := e.do("GET", "/v1/invoices/acme-2026-10", admin, nil); rec.Code != 200 {
			t.Errorf("acme's invoice: %d", rec.Code)
		}
		problem(t, e.do("GET", "/v1/invoices/globex-2026-10", admin, nil), 404, "not_found", "")

		rec = e.do("POST", "/v1/invoices/run", admin, `{"period":"2026-10","customer":"globex"}`)
		problem(t, rec, 409, "conflict", "plan")
		if f := decode[runAnswer](t, rec).Failures; len(f) != 1 || f[0].Customer != "globex" {
			t.Errorf("all failed: %s", rec.Body.String())
		}
		if rec := e.do("POST", "/v1/invoices/run", admin, `{"period":"2026-10","customer":"acme"}`); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"failures":[]`) {
			t.Errorf("a run without failures: %d %s", rec.Code, rec.Body.String())
		}
	})
}

// Periods: none before the customer existed (a skip, not an error), none
// more than one month ahead (400 naming period).
func TestInvoiceRunPeriodBoundsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		admin := token(t, api.RoleAdmin, "ops")
		e.do("PATCH", "/v1/customers/acme", admin, `{"plan":"standard"}`)
		// acme's mailboxes date from 2026-09-10 (t0 is 2026-11-10).
		rec := e.do("POST", "/v1/invoices/run", admin, `{"period":"2026-08"}`)
		run := decode[runAnswer](t, rec)
		if rec.Code != 200 || len(run.Invoices) != 2 || run.Invoices[0].Skipped != "before the customer existed" {
			t.Errorf("August: %d %s", rec.Code, rec.Body.String())
		}
		problem(t, e.do("GET", "/v1/invoices/acme-2026-08", admin, nil), 404, "not_found", "")
		if rec := e.do("POST", "/v1/invoices/run", admin, `{"period":"2026-12"}`); rec.Code != 200 || !strings.Contains(rec.Body.String(), "period has not begun") {
			t.Errorf("next month: %d %s", rec.Code, rec.Body.String())
		}
		for _, p := range []string{"2027-01", "2099-12", "9999-12"} {
			rec := e.do("POST", "/v1/invoices/run", admin, `{"period":"`+p+`"}`)
			problem(t, rec, 400, "invalid", "period")
			if !strings.Contains(rec.Body.String(), p) {
				t.Errorf("%s: %s", p, rec.Body.String())
			}
		}
	})
}

// A credit note's amount near 2^63 is refused as more than is left of the
// invoice (409 naming amount, with the amount it would be), never an
// overflow into another answer.
func TestCreditNoteHugeAmountAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		admin := token(t, api.RoleAdmin, "ops")
		// globex: one mailbox, net 5.00, tax 0.95 (an odd tax, so net × tax
		// wraps to a positive number).
		e.do("PATCH", "/v1/customers/globex", admin, `{"plan":"standard"}`)
		e.do("POST", "/v1/invoices/run", admin, `{"period":"2026-10","customer":"globex"}`)
		if rec := e.do("POST", "/v1/invoices/globex-2026-10/finalize", admin, nil); rec.Code != 200 {
			t.Fatalf("finalize: %d %s", rec.Code, rec.Body.String())
		}
		for amount, total := range map[string]string{"9223372036854775807": "109758127238571832.10", "4611686018427387904": "54879063619285916.06", "1000": "11.90"} {
			rec := e.do("POST", "/v1/invoices/globex-2026-10/credit-notes", admin, `{"reason":"x","amount":`+amount+`}`)
			problem(t, rec, 409, "conflict", "amount")
			if want := "crediting " + total + " would exceed what is left of the invoice (5.95 of 5.95)"; !strings.Contains(rec.Body.String(), want) {
				t.Errorf("amount %s: %s, want %q", amount, rec.Body.String(), want)
			}
		}
		problem(t, e.do("POST", "/v1/invoices/globex-2026-10/credit-notes", admin, `{"reason":"x","amount":9223372036854775808}`), 400, "invalid", "")
		if rec := e.do("POST", "/v1/invoices/globex-2026-10/credit-notes", admin, `{"reason":"x","amount":500}`); rec.Code != 201 || !strings.Contains(rec.Body.String(), `"total":-595`) {
			t.Errorf("a credit note that fits: %d %s", rec.Code, rec.Body.String())
		}
	})
}

func ptr(s string) *string { return &s }
