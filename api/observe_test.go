package api_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/store/storetest"
)

func TestRequestIDLogsAndMetrics(t *testing.T) {
	var logs bytes.Buffer
	s := storetest.SQLite(t)
	ver, _ := api.NewVerifier(testAuth(), clock)
	r := api.NewRouter(api.Deps{Log: slog.New(slog.NewJSONHandler(&logs, nil)), Health: s, Now: clock, Auth: ver})
	tok := token(t, api.RoleMailbox, "alice@acme.example")

	req := httptest.NewRequest("GET", "/v1/customers", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set(api.RequestIDHeader, "trace-42")
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden || rec.Header().Get(api.RequestIDHeader) != "trace-42" {
		t.Errorf("status %d, request id %q", rec.Code, rec.Header().Get(api.RequestIDHeader))
	}
	rec = httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if id := rec.Header().Get(api.RequestIDHeader); len(id) != 16 {
		t.Errorf("generated request id %q", id)
	}

	line := strings.SplitN(logs.String(), "\n", 2)[0]
	for _, want := range []string{`"method":"GET"`, `"route":"/v1/customers"`, `"status":403`, `"latency":`, `"role":"mailbox"`, `"subject":"alice@acme.example"`, `"request_id":"trace-42"`} {
		if !strings.Contains(line, want) {
			t.Errorf("log line lacks %s: %s", want, line)
		}
	}
	if strings.Contains(logs.String(), tok) || strings.Contains(logs.String(), tok[len(tok)-20:]) {
		t.Error("the token was logged")
	}

	rec = httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	m := rec.Body.String()
	for _, want := range []string{
		`mailmeter_http_requests_total{method="GET",route="/v1/customers",status="403"} 1`,
		`mailmeter_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="+Inf"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
