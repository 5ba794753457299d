package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/store/storetest"
)

const webmail = "https://webmail.example"

func corsEnv(t *testing.T, origins ...string) *env {
	return newEnvDeps(t, storetest.SQLite(t), testAuth(), func(d *api.Deps) { d.CORSOrigins = origins })
}

// serveRaw serves a request the spec does not describe (preflights).
func serveRaw(e *env, method, path string, h map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	for k, v := range h {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.router.ServeHTTP(rec, req)
	return rec
}

// A browser on a configured origin may read the API with a bearer token:
// its preflight is answered, its responses carry the exact origin (never a
// wildcard, never credentials); other origins get nothing to read.
func TestCORS(t *testing.T) {
	e := corsEnv(t, webmail, "http://127.0.0.1:8081")
	pre := map[string]string{"Origin": webmail, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
	rec := serveRaw(e, "OPTIONS", "/v1/mailboxes/alice@acme.example/quota", pre)
	h := rec.Header()
	if rec.Code != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != webmail ||
		!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "GET") ||
		h.Get("Access-Control-Max-Age") == "" || h.Get("Access-Control-Allow-Credentials") != "" || !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
		t.Errorf("preflight: %d %v", rec.Code, h)
	}
	tok := token(t, api.RoleMailbox, "alice@acme.example")
	req := httptest.NewRequest("GET", "/v1/mailboxes/alice@acme.example/quota", nil)
	req.Header.Set("Origin", webmail)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec = httptestServe(e, req)
	if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != webmail || !strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), api.RequestIDHeader) {
		t.Errorf("GET from the webmail: %d %v", rec.Code, rec.Header())
	}
	evil := map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
	rec = serveRaw(e, "OPTIONS", "/v1/mailboxes/alice@acme.example/quota", evil)
	if rec.Code != http.StatusForbidden || rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d %v", rec.Code, rec.Header())
	}
	req.Header.Set("Origin", "https://webmail.example.evil.example")
	if rec := httptestServe(e, req); rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("GET from another origin must not be readable: %v", rec.Header())
	}
	if rec := serveRaw(e, "OPTIONS", "/v1/quotas", map[string]string{"Origin": "http://127.0.0.1:8081", "Access-Control-Request-Method": "GET"}); rec.Code != 204 {
		t.Errorf("preflight from the second origin: %d", rec.Code)
	}
	none := corsEnv(t)
	if rec := serveRaw(none, "OPTIONS", "/v1/quotas", pre); rec.Header().Get("Access-Control-Allow-Origin") != "" || rec.Code == 204 {
		t.Errorf("without api.cors_origins there is no CORS: %d %v", rec.Code, rec.Header())
	}
}
