package api_test

import (
	"encoding/json"
	"testing"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

type customerAnswer struct {
	ID, Name, LegalName, Address, PostalCode, City, Country, VATID, BillingEmail string
	TaxBP                                                                        *int64
}

// Billing details are created, read, patched field by field (null
// removes the tax override, a field left out stays) and refused naming
// the field.
func TestCustomerBillingDetailsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		admin := token(t, api.RoleAdmin, "ops")
		rec := e.do("POST", "/v1/customers", admin, `{"id":"zoe","name":"Zoë","legal_name":"Zoë Café 株式会社","address":"1 Rue Neuve, Bât. B",`+
			`"postal_code":"75001","city":"Paris","country":"fr","vat_id":"FR 12 345678901","billing_email":"compta@zoe.example","tax_bp":550}`)
		if rec.Code != 201 {
			t.Fatalf("create: %d %s", rec.Code, rec.Body.String())
		}
		c := decodeCustomer(t, e.do("GET", "/v1/customers/zoe", admin, nil).Body.Bytes())
		if c.LegalName != "Zoë Café 株式会社" || c.Address != "1 Rue Neuve, Bât. B" || c.Country != "FR" || c.VATID != "FR12345678901" ||
			c.BillingEmail != "compta@zoe.example" || c.TaxBP == nil || *c.TaxBP != 550 {
			t.Errorf("stored: %+v", c)
		}
		c = decodeCustomer(t, e.do("PATCH", "/v1/customers/zoe", admin, `{"city":"Lyon","tax_bp":null}`).Body.Bytes())
		if c.City != "Lyon" || c.TaxBP != nil || c.PostalCode != "75001" || c.VATID != "FR12345678901" {
			t.Errorf("patched: %+v", c)
		}
		c = decodeCustomer(t, e.do("PATCH", "/v1/customers/zoe", admin, `{"tax_bp":0}`).Body.Bytes())
		if c.TaxBP == nil || *c.TaxBP != 0 {
			t.Errorf("tax_bp 0 is an override, not none: %+v", c)
		}
		problem(t, e.do("PATCH", "/v1/customers/zoe", admin, `{"country":"ZZ"}`), 400, "invalid", "country")
		problem(t, e.do("PATCH", "/v1/customers/zoe", admin, `{"vat_id":"DE123456789"}`), 400, "invalid", "vat_id")
		problem(t, e.do("PATCH", "/v1/customers/zoe", admin, `{"billing_email":"nope"}`), 400, "invalid", "billing_email")
		problem(t, e.do("PATCH", "/v1/customers/zoe", admin, `{"tax_bp":"high"}`), 400, "invalid", "tax_bp")
		// Customers without details answer empty strings and a null rate.
		if c := decodeCustomer(t, e.do("GET", "/v1/customers/acme", admin, nil).Body.Bytes()); c.LegalName != "" || c.TaxBP != nil {
			t.Errorf("acme: %+v", c)
		}
	})
}

func decodeCustomer(t *testing.T, b []byte) customerAnswer {
	t.Helper()
	var raw struct {
		ID           string `json:"id"`
		Name         string `json:"name"`
		LegalName    string `json:"legal_name"`
		Address      string `json:"address"`
		PostalCode   string `json:"postal_code"`
		City         string `json:"city"`
		Country      string `json:"country"`
		VATID        string `json:"vat_id"`
		BillingEmail string `json:"billing_email"`
		TaxBP        *int64 `json:"tax_bp"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return customerAnswer(raw)
}
