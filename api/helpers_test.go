package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/metering/probe"
	"github.com/mailmeter/mailmeter/openapi"
	"github.com/mailmeter/mailmeter/policy"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/sla"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
	"github.com/mailmeter/mailmeter/ui"
)

// testSeller is the operator the API's invoices come from.
var testSeller = billing.Seller{Party: billing.Party{Name: "Mailmeter Hosting GmbH", Address: "Friedrichstraße 1", PostalCode: "10117",
	City: "Berlin", Country: "DE", VATID: "DE123456789", Email: "billing@mailmeter.example"}, IBAN: "DE89370400440532013000", PaymentTermsDays: 14}

// t0 is the fixed "now" of every API test.
var t0 = time.Date(2026, 11, 10, 12, 30, 0, 0, time.UTC)

func clock() time.Time { return t0 }

const testSecret = "0123456789abcdef0123456789abcdef-test"

func testAuth() api.AuthConfig {
	return api.AuthConfig{Issuer: "mailmeter", Audience: "mailmeter", Secret: []byte(testSecret)}
}

// env is a real router over a real store, with a spec validator.
type env struct {
	t      testing.TB
	store  *store.Store
	view   *quota.View
	router http.Handler
	spec   routers.Router
}

// newEnv builds the API over s, seeded with two customers: acme
// (acme.example: alice, bob) and globex (globex.example: carol).
func newEnv(t testing.TB, s *store.Store) *env {
	t.Helper()
	return newEnvAuth(t, s, testAuth())
}

// newEnvAuth is newEnv with the given key configuration.
func newEnvAuth(t testing.TB, s *store.Store, auth api.AuthConfig) *env {
	t.Helper()
	return newEnvDeps(t, s, auth, nil)
}

// newEnvDeps is newEnvAuth with the dependencies changed by tweak.
func newEnvDeps(t testing.TB, s *store.Store, auth api.AuthConfig, tweak func(*api.Deps)) *env {
	t.Helper()
	ctx := context.Background()
	plans := billing.NewCatalog(s, clock)
	if _, err := plans.Seed(ctx, []billing.Plan{{Name: "standard", Currency: "EUR", MonthlyFee: 500, TaxBasisPoints: 1900,
		SLA: billing.SLA{Services: []sla.ServiceTerms{{Service: "smtp", TargetPPM: 999000, Tiers: []sla.Tier{{BelowPPM: 999000, CreditBP: 2500}}}}}},
		{Name: "gold", Currency: "EUR", MonthlyFee: 900}}); err != nil {
		t.Fatal(err)
	}
	dir := directory.NewService(s, clock).WithPlans(plans).WithPlanHistory(s)
	seedDirectory(t, dir)
	view := quota.NewView(s, s, clock)
	if err := view.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	ver, err := api.NewVerifier(auth, clock)
	if err != nil {
		t.Fatal(err)
	}
	levels, err := sla.NewService(sla.Deps{Store: s, Directory: s, Usage: s, Plans: plans, Now: clock, Policy: sla.DefaultPolicy(time.Minute),
		Services: []sla.MailService{{Name: "smtp", Targets: []string{"mx1", "mx2"}, DownWhen: sla.AllDown}, {Name: "imap", Targets: []string{"imap1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	runner := billing.NewRunner(billing.Sources{Directory: s, History: s, Plans: s, Usage: s, Series: s, Levels: levels}, s, clock)
	revs := api.NewRevocations(s, 0, clock)
	if err := revs.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	runner.WithSeller(testSeller)
	d := api.Deps{
		Log: slog.New(slog.DiscardHandler), Health: s, Now: clock, Auth: ver, Revocations: revs,
		Directory: dir, Quota: quota.NewService(s, view, s, clock), Reports: quota.NewReports(s, s, s, clock),
		Ingest: metering.NewIngester(s, view.Apply), MaxBodyBytes: 64 << 10,
		Policy:  policy.NewDecider(view, policy.Options{Delimiter: "+"}, clock),
		Billing: runner, Invoices: billing.NewInvoices(s, clock), Plans: plans, SLA: levels,
		Blacklists: probe.NewBlacklists(s, clock),
		Trends:     quota.NewTrends(s, s, clock), Overview: quota.NewOverview(s, s, view, clock),
		Collectors: collect.NewHealth(s, nil, clock), Console: ui.New(ui.Options{}),
	}
	if tweak != nil {
		tweak(&d)
	}
	r := api.NewRouter(d)
	return &env{t: t, store: s, view: view, router: r, spec: specRouter(t)}
}

func seedDirectory(t testing.TB, dir *directory.Service) {
	t.Helper()
	ctx := context.Background()
	for _, c := range []string{"acme", "globex"} {
		if _, err := dir.AddCustomer(ctx, directory.CustomerInput{ID: c, Name: strings.ToUpper(c)}); err != nil {
			t.Fatal(err)
		}
		if _, err := dir.AddDomain(ctx, directory.DomainInput{Name: c + ".example", CustomerID: c}); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []string{"alice@acme.example", "bob@acme.example", "carol@globex.example"} {
		if _, err := dir.AddMailbox(ctx, directory.MailboxInput{Address: a, Created: t0.AddDate(0, -2, 0)}); err != nil {
			t.Fatal(err)
		}
	}
}

func specRouter(t testing.TB) routers.Router {
	t.Helper()
	// Documents are checked as strings against the spec (their content
	// by their own tests).
	openapi3filter.RegisterBodyDecoder("application/pdf", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/xml", openapi3filter.FileBodyDecoder)
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is invalid: %v", err)
	}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// token mints a token valid at t0.
func token(t testing.TB, role api.Role, subject string) string {
	t.Helper()
	tok, err := api.MintToken(testAuth(), api.TokenInput{Role: role, Subject: subject, TTL: time.Hour}, t0)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// do serves one request and checks the response against the spec.
func (e *env) do(method, path, tok string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	var rd io.Reader
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		raw, _ = json.Marshal(b)
	}
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	rec := httptest.NewRecorder()
	e.router.ServeHTTP(rec, req)
	e.validate(req, rec)
	if rec.Code < 300 {
		// A request the API accepted must be one the spec allows.
		again := httptest.NewRequest(method, path, bytes.NewReader(raw))
		again.Header = req.Header
		e.validateRequest(again)
	}
	return rec
}

// validateRequest checks a request's parameters and body against the spec.
func (e *env) validateRequest(req *http.Request) {
	e.t.Helper()
	route, params, err := e.spec.FindRoute(req)
	if err != nil {
		e.t.Errorf("%s %s: accepted but not in the spec: %v", req.Method, req.URL.Path, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		e.t.Errorf("%s %s was accepted but does not match the spec: %v", req.Method, req.URL.String(), err)
	}
}

// validate checks a response's status, headers and body against the spec.
func (e *env) validate(req *http.Request, rec *httptest.ResponseRecorder) {
	e.t.Helper()
	route, params, err := e.spec.FindRoute(req)
	if err != nil {
		if rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed {
			e.t.Errorf("%s %s: answered %d but the spec has no such route: %v", req.Method, req.URL.Path, rec.Code, err)
		}
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: rec.Code, Header: rec.Header(),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(rec.Body.Bytes())
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		e.t.Errorf("%s %s → %d does not match the spec: %v\nbody: %s", req.Method, req.URL.String(), rec.Code, err, rec.Body.String())
	}
}

// decode unmarshals a response body.
func decode[T any](t testing.TB, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %s: %v", rec.Body.String(), err)
	}
	return v
}

// problem checks a problem+json response's status, type and, if field is
// not empty, the field named in errors.
func problem(t testing.TB, rec *httptest.ResponseRecorder, status int, kind, field string) {
	t.Helper()
	if rec.Code != status {
		t.Errorf("status %d, want %d; body %s", rec.Code, status, rec.Body.String())
		return
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("content type %q, want application/problem+json", ct)
	}
	p := decode[api.Problem](t, rec)
	if p.Type != api.ProblemBase+kind || p.Status != status {
		t.Errorf("problem %+v, want type %s", p, kind)
	}
	if field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != field) {
		t.Errorf("problem errors %+v, want field %q", p.Errors, field)
	}
}

func sqliteEnv(t testing.TB) *env { return newEnv(t, storetest.SQLite(t)) }

// httptestServe serves a hand-built request and validates the response.
func httptestServe(e *env, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.router.ServeHTTP(rec, req)
	e.validate(req, rec)
	return rec
}
