package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// healthcheck exits 0 on a 2xx answer and 1 (never 2, which Docker
// reserves) on anything else or no answer.
func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	if r := runCLI(t, nil, "healthcheck", srv.URL+"/healthz"); r.code != 0 || !strings.Contains(r.stdout, "healthy") {
		t.Errorf("healthy server: %+v", r)
	}
	status = http.StatusServiceUnavailable
	if r := runCLI(t, nil, "healthcheck", srv.URL+"/healthz"); r.code != 1 || !strings.Contains(r.stderr, "503") {
		t.Errorf("503: %+v", r)
	}
	addr := freeAddr(t) // nothing listens there
	if r := runCLI(t, nil, "healthcheck", "--timeout", "2s", "http://"+addr+"/healthz"); r.code != 1 || !strings.Contains(r.stderr, "unhealthy") {
		t.Errorf("no server: %+v", r)
	}
}
