package api_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// With a metrics token, /metrics takes that token and nothing else (not
// even an admin JWT); with its own listener, the API does not serve it.
func TestMetricsAccess(t *testing.T) {
	s := storetest.SQLite(t)
	ver, _ := api.NewVerifier(testAuth(), clock)
	const secret = "metrics-token-0123456789"
	get := func(r http.Handler, auth string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		return rec
	}
	guarded := api.NewRouter(api.Deps{Log: slog.New(slog.DiscardHandler), Health: s, Now: clock, Auth: ver, MetricsToken: secret})
	for _, c := range []struct {
		auth string
		want int
	}{
		{"", http.StatusUnauthorized},
		{"Bearer wrong-token-0123456789", http.StatusUnauthorized},
		{"Bearer " + token(t, api.RoleAdmin, "ops"), http.StatusUnauthorized},
		{"Basic " + secret, http.StatusUnauthorized},
		{"Bearer " + secret, http.StatusOK},
	} {
		rec := get(guarded, c.auth)
		if rec.Code != c.want {
			t.Errorf("%.30q: %d, want %d", c.auth, rec.Code, c.want)
		}
		if c.want == http.StatusUnauthorized && (rec.Header().Get("WWW-Authenticate") == "" || !strings.Contains(rec.Header().Get("Content-Type"), "problem+json")) {
			t.Errorf("%.30q: 401 without WWW-Authenticate or problem: %v", c.auth, rec.Header())
		}
	}
	if rec := get(api.MetricsHandler(nil, secret), "Bearer "+secret); rec.Code != http.StatusOK {
		t.Errorf("MetricsHandler with the token: %d", rec.Code)
	}
	if rec := get(api.MetricsHandler(nil, secret), ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("MetricsHandler without the token: %d", rec.Code)
	}
	elsewhere := api.NewRouter(api.Deps{Log: slog.New(slog.DiscardHandler), Health: s, Now: clock, Auth: ver, SeparateMetrics: true})
	if rec := get(elsewhere, ""); rec.Code != http.StatusNotFound {
		t.Errorf("/metrics with a listener of its own: %d, want 404", rec.Code)
	}
}
