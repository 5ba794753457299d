package api_test

import (
	"encoding/xml"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// get serves a GET with an Accept header through the spec validator.
func (e *env) get(path, tok, accept string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return httptestServe(e, req)
}

// ublRoot reads a UBL document's root and number.
func ublRoot(t *testing.T, body []byte) (xml.Name, string) {
	t.Helper()
	var d struct {
		XMLName xml.Name
		ID      string `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 ID"`
	}
	if err := xml.Unmarshal(body, &d); err != nil {
		t.Fatalf("%v: %.200s", err, body)
	}
	return d.XMLName, d.ID
}

// An invoice downloads as PDF, CSV or UBL by Accept header or suffix, for
// its customer and the admin; UBL only once final; a credit note is a UBL
// CreditNote; an Accept the API cannot answer gets 406.
func TestInvoiceDocumentsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		admin, acme := token(t, api.RoleAdmin, "ops"), token(t, api.RoleCustomer, "acme")
		if rec := e.do("PATCH", "/v1/customers/acme", admin, `{"plan":"standard","legal_name":"Acmé Ça Va SARL 株式会社","country":"FR","vat_id":"FR40303265045","city":"Paris"}`); rec.Code != 200 {
			t.Fatalf("patch: %d %s", rec.Code, rec.Body.String())
		}
		if rec := e.do("POST", "/v1/invoices/run", admin, `{"period":"2026-10","customer":"acme"}`); rec.Code != 200 {
			t.Fatalf("run: %d %s", rec.Code, rec.Body.String())
		}
		inv := decode[map[string]any](t, e.get("/v1/invoices/acme-2026-10", acme, ""))
		if inv["tax_category"] != "AE" || inv["tax_source"] != "reverse_charge" || inv["total"] != 1000.0 || !strings.Contains(inv["tax_note"].(string), "Reverse charge") ||
			inv["buyer"].(map[string]any)["name"] != "Acmé Ça Va SARL 株式会社" || inv["seller"].(map[string]any)["vat_id"] != "DE123456789" {
			t.Errorf("json: %v", inv)
		}
		for _, tt := range []struct{ path, accept, ct string }{
			{"/v1/invoices/acme-2026-10", "application/pdf", "application/pdf"},
			{"/v1/invoices/acme-2026-10.pdf", "", "application/pdf"},
			{"/v1/invoices/acme-2026-10.pdf", "application/json", "application/pdf"},
			{"/v1/invoices/acme-2026-10", "text/csv", "text/csv; charset=utf-8"},
			{"/v1/invoices/acme-2026-10", "application/pdf;q=0.5, text/csv", "text/csv; charset=utf-8"},
			{"/v1/invoices/acme-2026-10", "*/*", "application/json; charset=utf-8"},
			{"/v1/invoices/acme-2026-10.json", "application/pdf", "application/json; charset=utf-8"},
		} {
			rec := e.get(tt.path, acme, tt.accept)
			if rec.Code != 200 || rec.Header().Get("Content-Type") != tt.ct {
				t.Errorf("%s (Accept %q): %d %q, want %s", tt.path, tt.accept, rec.Code, rec.Header().Get("Content-Type"), tt.ct)
			}
		}
		rec := e.get("/v1/invoices/acme-2026-10.pdf", admin, "")
		if !strings.HasPrefix(rec.Body.String(), "%PDF-1.") || rec.Header().Get("Content-Disposition") != `inline; filename=acme-2026-10.pdf` {
			t.Errorf("pdf: %.10q, %q", rec.Body.String(), rec.Header().Get("Content-Disposition"))
		}
		if _, err := exec.LookPath("pdftotext"); err == nil {
			path := filepath.Join(t.TempDir(), "i.pdf")
			os.WriteFile(path, rec.Body.Bytes(), 0o600)
			out, err := exec.Command("pdftotext", path, "-").CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Acmé Ça Va SARL 株式会社") || !strings.Contains(string(out), "Tax 0.00%") {
				t.Errorf("pdftotext: %v\n%s", err, out)
			}
		}
		problem(t, e.get("/v1/invoices/acme-2026-10", acme, "application/xml"), 409, "conflict", "")
		problem(t, e.get("/v1/invoices/acme-2026-10", acme, "image/png"), 406, "not_acceptable", "")
		problem(t, e.get("/v1/invoices/acme-2026-10.pdf", token(t, api.RoleCustomer, "globex"), ""), 404, "not_found", "")

		fin := decode[map[string]any](t, e.do("POST", "/v1/invoices/acme-2026-10/finalize", admin, nil))
		if fin["issue_date"] != "2026-11-10" || fin["due_date"] != "2026-11-24" {
			t.Errorf("dates: %v %v", fin["issue_date"], fin["due_date"])
		}
		for _, path := range []string{"/v1/invoices/acme-2026-10.xml", "/v1/invoices/acme-2026-10"} {
			rec = e.get(path, acme, "application/xml")
			root, id := ublRoot(t, rec.Body.Bytes())
			if rec.Code != 200 || root.Local != "Invoice" || id != fin["number"] || rec.Header().Get("Content-Type") != "application/xml; charset=utf-8" {
				t.Errorf("%s: %d %v %s", path, rec.Code, root, id)
			}
		}
		e.do("POST", "/v1/invoices/acme-2026-10/credit-notes", admin, `{"reason":"goodwill","amount":100}`)
		rec = e.get("/v1/invoices/acme-2026-10-cn1.xml", admin, "")
		if root, id := ublRoot(t, rec.Body.Bytes()); root.Local != "CreditNote" || !strings.HasPrefix(id, "CN-") {
			t.Errorf("credit note: %v %s", root, id)
		}
	})
}

// The preview estimates the month so far like a run, stores nothing, and
// downloads as PDF; a customer without a plan has nothing to estimate.
func TestInvoicePreviewAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		admin, acme := token(t, api.RoleAdmin, "ops"), token(t, api.RoleCustomer, "acme")
		e.do("PATCH", "/v1/customers/acme", admin, `{"plan":"standard"}`)
		p := decode[map[string]any](t, e.get("/v1/customers/acme/invoice-preview", acme, ""))
		// November, alice and bob all month: 2 × 5.00, 19 % tax.
		if p["status"] != "estimate" || p["estimate"] != true || p["id"] != "acme-2026-11" || p["net"] != 1000.0 || p["total"] != 1190.0 || p["number"] != nil {
			t.Errorf("preview: %v", p)
		}
		problem(t, e.get("/v1/invoices/acme-2026-11", admin, ""), 404, "not_found", "")
		if rec := e.get("/v1/customers/acme/invoice-preview", acme, "application/pdf"); rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), "%PDF") {
			t.Errorf("preview pdf: %d", rec.Code)
		}
		problem(t, e.get("/v1/customers/acme/invoice-preview", acme, "application/xml"), 406, "not_acceptable", "")
		problem(t, e.get("/v1/customers/globex/invoice-preview", admin, ""), 409, "conflict", "plan")
		problem(t, e.get("/v1/customers/nobody/invoice-preview", admin, ""), 404, "not_found", "")
	})
}
