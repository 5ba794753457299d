package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// textRoute is one /v1 route with valid values for the path parameters,
// the query parameters it reads and, for routes with a body, a valid body.
// Each of them in turn gets a control character and must be refused.
type textRoute struct {
	method string
	path   string // the gin pattern: /v1/customers/:id
	params map[string]string
	query  map[string]string
	body   map[string]any
}

// controls are the characters no input may hold: C0 controls (NUL, the
// line ends, tab, ESC …), DEL and C1 controls.
var controls = []string{"\x00", "\n", "\r", "\t", "\x01", "\x1b", "\x1f", "\x7f", "\u0085", "\u009f"}

var hour = "2026-11-10T12:00:00Z"

var textRoutes = []textRoute{
	{method: "POST", path: "/v1/customers", body: map[string]any{"id": "new1", "name": "New", "currency": "EUR", "timezone": "UTC", "plan": "gold"}},
	{method: "GET", path: "/v1/customers", query: map[string]string{"limit": "10", "cursor": "YWNtZQ"}},
	{method: "GET", path: "/v1/customers/:id", params: map[string]string{"id": "acme"}},
	{method: "PATCH", path: "/v1/customers/:id", params: map[string]string{"id": "acme"},
		body: map[string]any{"name": "ACME", "currency": "EUR", "timezone": "UTC", "plan": "gold", "plan_effective_from": "2026-11-01"}},
	{method: "DELETE", path: "/v1/customers/:id", params: map[string]string{"id": "acme"}},
	{method: "GET", path: "/v1/customers/:id/usage", params: map[string]string{"id": "acme"},
		query: map[string]string{"from": "2026-11-01T00:00:00Z", "to": "2026-11-10T00:00:00Z", "sort": "in_bytes", "order": "desc", "limit": "10", "cursor": "YQ"}},
	{method: "GET", path: "/v1/customers/:id/invoice-preview", params: map[string]string{"id": "acme"}},
	{method: "POST", path: "/v1/domains", body: map[string]any{"domain": "new.example", "customer": "acme"}},
	{method: "GET", path: "/v1/domains", query: map[string]string{"customer": "acme", "limit": "10", "cursor": "YQ"}},
	{method: "GET", path: "/v1/domains/:domain", params: map[string]string{"domain": "acme.example"}},
	{method: "PATCH", path: "/v1/domains/:domain", params: map[string]string{"domain": "acme.example"}, body: map[string]any{"customer": "globex"}},
	{method: "DELETE", path: "/v1/domains/:domain", params: map[string]string{"domain": "acme.example"}},
	{method: "GET", path: "/v1/domains/:domain/usage", params: map[string]string{"domain": "acme.example"},
		query: map[string]string{"from": "2026-11-01T00:00:00Z", "sort": "in_bytes", "order": "desc"}},
	{method: "POST", path: "/v1/mailboxes", body: map[string]any{"address": "new@acme.example", "created_at": "2026-11-01T00:00:00Z"}},
	{method: "GET", path: "/v1/mailboxes", query: map[string]string{"domain": "acme.example", "customer": "acme", "limit": "10", "cursor": "YQ"}},
	{method: "GET", path: "/v1/mailboxes/:address", params: map[string]string{"address": "alice@acme.example"}},
	{method: "DELETE", path: "/v1/mailboxes/:address", params: map[string]string{"address": "alice@acme.example"}},
	{method: "GET", path: "/v1/mailboxes/:address/usage", params: map[string]string{"address": "alice@acme.example"},
		query: map[string]string{"from": "2026-11-01T00:00:00Z", "to": "2026-11-10T00:00:00Z", "granularity": "day", "tz": "Europe/Berlin"}},
	{method: "GET", path: "/v1/mailboxes/:address/quota", params: map[string]string{"address": "alice@acme.example"}, query: map[string]string{"units": "imap"}},
	{method: "GET", path: "/v1/mailboxes/:address/limits", params: map[string]string{"address": "alice@acme.example"}},
	{method: "PUT", path: "/v1/mailboxes/:address/limits", params: map[string]string{"address": "alice@acme.example"}, body: map[string]any{"storage_hard_bytes": 1000}},
	{method: "DELETE", path: "/v1/mailboxes/:address/limits", params: map[string]string{"address": "alice@acme.example"}},
	{method: "POST", path: "/v1/plans", body: map[string]any{"id": "new-plan", "currency": "EUR", "mailbox_fee": "4.00", "domain_fee": "1.00",
		"minimum_charge": "10.00", "storage_per_gb_month": "0.10", "transfer_per_gb": "0.05", "tax_rate": "19", "effective_from": "2026-11-01"}},
	{method: "GET", path: "/v1/plans", query: map[string]string{"limit": "10", "cursor": "YQ"}},
	{method: "GET", path: "/v1/plans/:plan", params: map[string]string{"plan": "gold"}},
	{method: "PUT", path: "/v1/plans/:plan", params: map[string]string{"plan": "gold"}, body: map[string]any{"mailbox_fee": "4.50", "effective_from": "2026-12-01"}},
	{method: "GET", path: "/v1/plans/:plan/limits", params: map[string]string{"plan": "gold"}},
	{method: "PUT", path: "/v1/plans/:plan/limits", params: map[string]string{"plan": "gold"}, body: map[string]any{"storage_hard_bytes": 1000}},
	{method: "GET", path: "/v1/invoices", query: map[string]string{"customer": "acme", "limit": "10", "cursor": "YQ"}},
	{method: "GET", path: "/v1/invoices/:id", params: map[string]string{"id": "acme-2026-10"}},
	{method: "POST", path: "/v1/invoices/run", body: map[string]any{"period": "2026-10", "customer": "acme"}},
	{method: "POST", path: "/v1/invoices/:id/finalize", params: map[string]string{"id": "acme-2026-10"}},
	{method: "POST", path: "/v1/invoices/:id/credit-notes", params: map[string]string{"id": "acme-2026-10"}, body: map[string]any{"reason": "goodwill", "amount": 10}},
	{method: "GET", path: "/v1/latency", query: map[string]string{"domain": "acme.example", "direction": "inbound", "from": "2026-11-01T00:00:00Z", "target_ms": "500"}},
	{method: "GET", path: "/v1/availability", query: map[string]string{"from": "2026-11-01T00:00:00Z", "to": "2026-11-10T00:00:00Z"}},
	{method: "GET", path: "/v1/quota/check", query: map[string]string{"recipient": "alice@acme.example", "sasl_username": "bob@acme.example", "stage": "rcpt", "size": "100", "recipients": "1"}},
	{method: "POST", path: "/v1/ingest", body: map[string]any{"source": "mx1:/var/log/mail.log", "seq": 1, "from_offset": 0, "to_offset": 10,
		"position": "eyJvZmYiOjF9", "state": "b3Blbg==",
		"counters": []any{map[string]any{"mailbox": "alice@acme.example", "metric": "out_bytes", "hour": hour, "value": 1}},
		"gauges": []any{map[string]any{"mailbox": "alice@acme.example", "folder": "Sent", "metric": "storage_bytes", "hour": hour,
			"last": 1, "max": 1, "observed_at": hour}},
		"latency": []any{map[string]any{"hour": hour, "direction": "outbound", "domain": "acme.example", "bucket": 10, "count": 1}}}},
	{method: "GET", path: "/v1/ingest/sources/*source", params: map[string]string{"source": "mx1:/var/log/mail.log"}},
	{method: "GET", path: "/v1/usage/unknown", query: map[string]string{"from": "2026-11-01T00:00:00Z", "to": "2026-11-10T00:00:00Z", "sort": "rejected_in", "limit": "10"}},
	{method: "DELETE", path: "/v1/tokens/:jti", params: map[string]string{"jti": "some-token"}},
	{method: "GET", path: "/v1/customers/:id/invoice-preview", params: map[string]string{"id": "acme"}},
	{method: "GET", path: "/v1/traffic", query: map[string]string{"from": "2026-11-01T00:00:00Z", "to": "2026-11-10T00:00:00Z", "granularity": "day", "tz": "Europe/Berlin", "scope": "hosted"}},
	{method: "GET", path: "/v1/latency/series", query: map[string]string{"from": "2026-11-01T00:00:00Z", "granularity": "hour", "tz": "UTC", "domain": "acme.example"}},
	{method: "GET", path: "/v1/usage/top", query: map[string]string{"metric": "out_bytes", "limit": "10", "from": "2026-11-01T00:00:00Z"}},
	{method: "GET", path: "/v1/quotas", query: map[string]string{"customer": "acme", "domain": "acme.example", "search": "ali", "sort": "-storage_percent", "limit": "10", "cursor": "YQ"}},
	{method: "GET", path: "/v1/estimates", query: map[string]string{"customer": "acme"}},
	{method: "GET", path: "/v1/collectors"},
	{method: "GET", path: "/v1/sla/blacklists", query: map[string]string{"from": "2026-11-01T00:00:00Z", "to": "2026-11-10T00:00:00Z"}},
	{method: "GET", path: "/v1/sla/report", query: map[string]string{"period": "2026-10", "customer": "acme"}},
	{method: "POST", path: "/v1/sla/incidents", body: map[string]any{"service": "smtp", "start": "2026-10-05T10:00:00Z", "end": "2026-10-05T10:20:00Z",
		"reason": "the monitor saw smtp refuse connections"}},
	{method: "GET", path: "/v1/sla/incidents", query: map[string]string{"service": "smtp", "from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}},
	{method: "DELETE", path: "/v1/sla/incidents/:id", params: map[string]string{"id": "1"}},
	{method: "POST", path: "/v1/sla/maintenance", body: map[string]any{"service": "imap", "start": "2026-12-01T02:00:00Z", "end": "2026-12-01T03:00:00Z",
		"announced": "2026-11-20T09:00:00Z", "reason": "kernel update"}},
	{method: "GET", path: "/v1/sla/maintenance", query: map[string]string{"service": "imap", "from": "2026-11-01T00:00:00Z", "to": "2026-12-31T00:00:00Z"}},
	{method: "DELETE", path: "/v1/sla/maintenance/:id", params: map[string]string{"id": "1"}},
}

// TestControlCharactersRefused sends every /v1 route a control character
// in each path parameter, query parameter and string body field, and
// expects a 400 naming that field, on both databases, with nothing written.
func TestControlCharactersRefused(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, s *store.Store, dsn string) {
		e := newEnv(t, s)
		checkRoutesCovered(t, e)
		tok := token(t, api.RoleAdmin, "ops")
		before := storetest.Contents(t, dsn)
		for _, r := range textRoutes {
			for _, c := range textCases(r) {
				t.Run(fmt.Sprintf("%s %s/%s/%q", r.method, r.path, c.field, c.char), func(t *testing.T) {
					rec := e.do(r.method, c.path, tok, c.body)
					problem(t, rec, http.StatusBadRequest, "invalid", c.field)
					if p := decode[api.Problem](t, rec); !strings.Contains(p.Detail, "control character") && !strings.Contains(p.Detail, "UTF-8") {
						t.Errorf("detail %q does not say why", p.Detail)
					}
				})
			}
		}
		if diff := cmp.Diff(before, storetest.Contents(t, dsn)); diff != "" {
			t.Errorf("refused requests changed the database (-before +after):\n%s", diff)
		}
	})
}

// textCase is one request of TestControlCharactersRefused.
type textCase struct {
	field, char, path string
	body              any
}

// textCases returns the requests of one route: each path parameter, query
// parameter and string body field with each control character (and, in
// the URL, a byte that is not UTF-8) inserted after its first character.
func textCases(r textRoute) []textCase {
	inject := func(v, c string) string { return v[:1] + c + v[1:] }
	var out []textCase
	urlChars := append([]string{"\xff"}, controls...)
	for _, name := range sortedNames(r.params) {
		for _, c := range urlChars {
			params := copyMap(r.params)
			params[name] = inject(params[name], c)
			out = append(out, textCase{name, c, buildPath(r.path, params, r.query), bodyOf(r.body)})
		}
	}
	for _, name := range sortedNames(r.query) {
		for _, c := range urlChars {
			q := copyMap(r.query)
			q[name] = inject(q[name], c)
			out = append(out, textCase{name, c, buildPath(r.path, r.params, q), bodyOf(r.body)})
		}
	}
	for _, field := range stringFields("", r.body) {
		for _, c := range controls {
			body := setField(r.body, field, func(v string) string { return inject(v, c) })
			out = append(out, textCase{field, c, buildPath(r.path, r.params, r.query), body})
		}
	}
	return out
}

func bodyOf(b map[string]any) any {
	if b == nil {
		return nil
	}
	return b
}

// buildPath fills a route pattern's parameters and appends the query.
func buildPath(pattern string, params, query map[string]string) string {
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		switch {
		case strings.HasPrefix(p, ":"):
			parts[i] = url.PathEscape(params[p[1:]])
		case strings.HasPrefix(p, "*"):
			parts[i] = url.PathEscape(params[p[1:]])
		}
	}
	path := strings.Join(parts, "/")
	if len(query) == 0 {
		return path
	}
	v := url.Values{}
	for k, x := range query {
		v.Set(k, x)
	}
	return path + "?" + v.Encode()
}

// stringFields lists the paths of the string values in a body, as the API
// names fields: "name", "counters[0].mailbox".
func stringFields(prefix string, v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		return []string{prefix}
	case map[string]any:
		for _, k := range sortedNames(x) {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			out = append(out, stringFields(p, x[k])...)
		}
	case []any:
		for i, e := range x {
			out = append(out, stringFields(fmt.Sprintf("%s[%d]", prefix, i), e)...)
		}
	}
	return out
}

// setField returns a deep copy of v with the string at path changed by f.
func setField(v any, path string, f func(string) string) any {
	return walkSet(v, "", path, f)
}

func walkSet(v any, at, path string, f func(string) string) any {
	switch x := v.(type) {
	case string:
		if at == path {
			return f(x)
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			p := k
			if at != "" {
				p = at + "." + k
			}
			out[k] = walkSet(e, p, path, f)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = walkSet(e, fmt.Sprintf("%s[%d]", at, i), path, f)
		}
		return out
	}
	return v
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// checkRoutesCovered fails for a /v1 route missing from textRoutes.
func checkRoutesCovered(t *testing.T, e *env) {
	t.Helper()
	have := map[string]bool{}
	for _, r := range textRoutes {
		have[r.method+" "+r.path] = true
	}
	for _, rt := range e.router.(*gin.Engine).Routes() {
		if strings.HasPrefix(rt.Path, "/v1/") && !have[rt.Method+" "+rt.Path] {
			t.Errorf("route %s %s is missing from textRoutes", rt.Method, rt.Path)
		}
	}
}

// Valid non-ASCII text (names, IDN domains in Unicode are another matter)
// is not mistaken for a control character.
func TestPrintableUnicodeAccepted(t *testing.T) {
	e := sqliteEnv(t)
	tok := token(t, api.RoleAdmin, "ops")
	rec := e.do("POST", "/v1/customers", tok, map[string]any{"id": "muller", "name": "Müller & Söhne — ÄÖÜ ✓"})
	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
}

// A token subject with a control character is never minted, and a token
// carrying one (signed elsewhere with the key) is refused as invalid
// before its subject reaches the database.
func TestTokenSubjectText(t *testing.T) {
	for _, c := range controls {
		if _, err := api.MintToken(testAuth(), api.TokenInput{Role: api.RoleCustomer, Subject: "ac" + c + "me", TTL: time.Hour}, t0); err == nil || metering.FieldOf(err) != "subject" {
			t.Errorf("mint with subject %q: err %v, want one naming subject", "ac"+c+"me", err)
		}
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		for _, c := range controls {
			for _, role := range []string{"customer", "mailbox", "admin"} {
				sub := "ac" + c + "me"
				if role == "mailbox" {
					sub = `"a` + c + `b"@acme.example`
				}
				tok := sign(t, jwt.SigningMethodHS256, "", claimsAt(func(m jwt.MapClaims) { m["role"], m["sub"] = role, sub }), []byte(testSecret))
				rec := e.do("GET", "/v1/customers", tok, nil)
				problem(t, rec, http.StatusUnauthorized, "unauthorized", "sub")
			}
		}
	})
}
