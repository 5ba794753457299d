package api_test

import (
	"testing"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// Plans are added, read and changed by new versions over the API, with
// amounts written as decimals of the currency; a customer reads its own
// plan and no other.
func TestPlansAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		admin := token(t, api.RoleAdmin, "ops")
		rec := e.do("POST", "/v1/plans", admin, `{"id":"biz","currency":"EUR","mailbox_fee":"4.00","domain_fee":"0.20","minimum_charge":"25",
			"included_storage":5000000000,"storage_pooled":true,"storage_tiers":[{"up_to_gb":10,"per_gb":"0.10"},{"up_to_gb":0,"per_gb":"0.05"}],
			"tax_rate":"19","sla":{"availability_ppm":999000,"tiers":[{"below_ppm":999000,"credit_bp":1000}],"latency_target_seconds":60,"latency_share_ppm":900000,"latency_credit_bp":500,"cap_bp":5000}}`)
		if rec.Code != 201 {
			t.Fatalf("create: %d %s", rec.Code, rec.Body.String())
		}
		p := decode[api.PlanJSON](t, rec)
		if p.MailboxFee != "4.00" || p.DomainFee != "0.20" || p.MinimumCharge != "25.00" || !p.StoragePooled || p.TaxBP != 1900 || p.TaxRate != "19.00" ||
			p.EffectiveFrom != "1970-01-01" || len(p.StorageTiers) != 2 || p.StorageTiers[1].PerGB != "0.05" || p.SLA.LatencyTargetSeconds != 60 || len(p.Versions) != 1 {
			t.Errorf("created %+v", p)
		}
		// Yen have no decimals, dinars three.
		if p := decode[api.PlanJSON](t, e.do("POST", "/v1/plans", admin, `{"id":"yen","currency":"JPY","mailbox_fee":"550"}`)); p.MailboxFee != "550" {
			t.Errorf("JPY plan: %+v", p)
		}
		// A yen customer's estimate and invoice say how to read their
		// minor units: exponent 0, the amounts as printed.
		for _, req := range [][2]string{{"/v1/customers", `{"id":"nippon","name":"Nippon","currency":"JPY","timezone":"Asia/Tokyo","plan":"yen"}`},
			{"/v1/domains", `{"domain":"nippon.example","customer":"nippon"}`}, {"/v1/mailboxes", `{"address":"a@nippon.example","created_at":"2026-10-01T00:00:00Z"}`}} {
			if rec := e.do("POST", req[0], admin, req[1]); rec.Code != 201 {
				t.Fatalf("%s: %d %s", req[0], rec.Code, rec.Body.String())
			}
		}
		est := decode[struct {
			Estimates []struct {
				Total        int64  `json:"total"`
				Exponent     *int   `json:"exponent"`
				TotalDecimal string `json:"total_decimal"`
			} `json:"estimates"`
		}](t, e.do("GET", "/v1/estimates?customer=nippon", admin, nil))
		if len(est.Estimates) != 1 || est.Estimates[0].Exponent == nil || *est.Estimates[0].Exponent != 0 || est.Estimates[0].Total != 550 || est.Estimates[0].TotalDecimal != "550" {
			t.Errorf("a yen estimate: %+v", est)
		}
		rec = e.do("GET", "/v1/customers/nippon/invoice-preview", admin, nil)
		if inv := decode[struct {
			Exponent     int    `json:"exponent"`
			TotalDecimal string `json:"total_decimal"`
		}](t, rec); rec.Code != 200 || inv.Exponent != 0 || inv.TotalDecimal != "550" {
			t.Errorf("a yen preview: %+v %s", inv, rec.Body.String())
		}
		if p := decode[api.PlanJSON](t, e.do("POST", "/v1/plans", admin, `{"id":"dinar","currency":"BHD","mailbox_fee":"1.250"}`)); p.MailboxFee != "1.250" {
			t.Errorf("BHD plan: %+v", p)
		}
		for body, field := range map[string]string{
			`{"id":"x1","currency":"EUR","mailbox_fee":"4.001"}`:                 "mailbox_fee",
			`{"id":"x2","currency":"JPY","mailbox_fee":"5.5"}`:                   "mailbox_fee",
			`{"id":"x3","currency":"EUR","mailbox_fee":4}`:                       "mailbox_fee",
			`{"id":"x4","currency":"EURO","mailbox_fee":"4"}`:                    "currency",
			`{"id":"x5","currency":"EUR","mailbox_fee":"-4.00"}`:                 "mailbox_fee",
			`{"id":"x6","currency":"EUR","tax_rate":"19.123"}`:                   "tax_rate",
			`{"id":"x7","currency":"EUR","effective_from":"1 Dec"}`:              "effective",
			`{"id":"x 8","currency":"EUR"}`:                                      "id",
			`{"id":"x9"}`:                                                        "currency",
			`{"id":"x10","currency":"EUR","storage_tiers":[{"per_gb":"0.1.0"}]}`: "storage_tiers[0].per_gb",
		} {
			problem(t, e.do("POST", "/v1/plans", admin, body), 400, "invalid", field)
		}
		problem(t, e.do("POST", "/v1/plans", admin, `{"id":"biz","currency":"EUR"}`), 409, "conflict", "id")
		// An SLA per service, from the published presets: kept as the
		// sla package's terms, answered per service.
		rec = e.do("POST", "/v1/plans", admin, `{"id":"svc","currency":"EUR","mailbox_fee":"4.00","sla":{"services":[
			{"service":"smtp","preset":"credits-25-50-100"},{"service":"imap","preset":"credits-10-25-100","target_ppm":990000}],"cap_bp":5000}}`)
		if p := decode[api.PlanJSON](t, rec); rec.Code != 201 || len(p.SLA.Services) != 2 || p.SLA.Services[0].Service != "smtp" || p.SLA.Services[0].TargetPPM != 999000 ||
			len(p.SLA.Services[0].Tiers) != 3 || p.SLA.Services[0].Tiers[1].CreditBP != 5000 || p.SLA.Services[1].TargetPPM != 990000 || p.SLA.Services[1].Tiers[0].CreditBP != 1000 ||
			p.SLA.AvailabilityPPM != 0 || p.SLA.CapBP != 5000 {
			t.Errorf("per-service SLA: %d %+v", rec.Code, p.SLA)
		}
		problem(t, e.do("POST", "/v1/plans", admin, `{"id":"x11","currency":"EUR","sla":{"services":[{"service":"smtp","preset":"gold"}]}}`), 400, "invalid", "sla.services[0].preset")
		problem(t, e.do("POST", "/v1/plans", admin, `{"id":"x12","currency":"EUR","sla":{"services":[{"preset":"credits-25-50-100"}]}}`), 400, "invalid", "sla.services[0].service")
		problem(t, e.do("POST", "/v1/plans", admin, `{"id":"x13","currency":"EUR","sla":{"preset":"credits-25-50-100","services":[{"service":"smtp"}]}}`), 400, "invalid", "plan")

		// A new version from December: the mailbox fee changes, the rest is kept.
		rec = e.do("PUT", "/v1/plans/biz", admin, `{"mailbox_fee":"4.50","effective_from":"2026-12-01"}`)
		if rec.Code != 200 {
			t.Fatalf("put: %d %s", rec.Code, rec.Body.String())
		}
		if p := decode[api.PlanJSON](t, rec); p.MailboxFee != "4.50" || p.DomainFee != "0.20" || p.EffectiveFrom != "2026-12-01" || len(p.Versions) != 2 {
			t.Errorf("new version %+v", p)
		}
		// Today (November) the first version is in force.
		if p := decode[api.PlanJSON](t, e.do("GET", "/v1/plans/biz", admin, nil)); p.MailboxFee != "4.00" || len(p.Versions) != 2 || p.Versions[1].MailboxFee != "4.50" {
			t.Errorf("get %+v", p)
		}
		problem(t, e.do("PUT", "/v1/plans/biz", admin, `{"mailbox_fee":"5.00","effective_from":"2026-11-15"}`), 400, "invalid", "effective")
		problem(t, e.do("PUT", "/v1/plans/biz", admin, `{"currency":"USD"}`), 400, "invalid", "currency")
		problem(t, e.do("PUT", "/v1/plans/nope", admin, `{"mailbox_fee":"1"}`), 404, "not_found", "plan")
		// The scheduled version may be corrected before it is in force.
		if p := decode[api.PlanJSON](t, e.do("PUT", "/v1/plans/biz", admin, `{"mailbox_fee":"4.40","effective_from":"2026-12-01"}`)); p.MailboxFee != "4.40" || len(p.Versions) != 2 {
			t.Errorf("corrected version %+v", p)
		}
		list := decode[struct{ Items []api.PlanJSON }](t, e.do("GET", "/v1/plans", admin, nil))
		if len(list.Items) != 6 || list.Items[0].ID != "biz" {
			t.Errorf("list %+v", list.Items)
		}

		// acme on biz reads biz, not gold.
		if rec := e.do("PATCH", "/v1/customers/acme", admin, `{"plan":"biz"}`); rec.Code != 200 {
			t.Fatalf("patch: %d %s", rec.Code, rec.Body.String())
		}
		acme := token(t, api.RoleCustomer, "acme")
		if p := decode[api.PlanJSON](t, e.do("GET", "/v1/plans/biz", acme, nil)); p.ID != "biz" {
			t.Errorf("customer reads its plan: %+v", p)
		}
		problem(t, e.do("GET", "/v1/plans/gold", acme, nil), 404, "not_found", "")
		problem(t, e.do("PATCH", "/v1/customers/acme", admin, `{"plan":"gold","plan_effective_from":"2026-12-24"}`), 400, "invalid", "effective")
	})
}
