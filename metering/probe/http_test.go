package probe_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering/probe"
)

// HTTP(S) checks of a webmail: the status, an optional body match,
// redirects followed, the certificate verified and its expiry reported.
func TestCheckHTTP(t *testing.T) {
	p := newPKI(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<title>Roundcube Webmail :: Welcome</title>")
	})
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/", http.StatusFound) })
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "db down", http.StatusBadGateway) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	start := func(cert tls.Certificate) string {
		s := httptest.NewUnstartedServer(mux)
		s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.StartTLS()
		t.Cleanup(s.Close)
		return s.URL
	}
	good, soon, untrusted := start(p.good), start(p.soon), start(p.untrusted)
	plain := httptest.NewServer(mux)
	t.Cleanup(plain.Close)
	verify := probe.Verify{RootCAs: p.pool}
	body := regexp.MustCompile(`Roundcube Webmail`)

	for _, tt := range []struct {
		name     string
		check    probe.HTTPCheck
		verify   probe.Verify
		timeout  time.Duration
		errHas   string
		status   int
		expiring bool
	}{
		{"https up", probe.HTTPCheck{URL: good + "/", Body: body}, verify, 0, "", 200, false},
		{"redirect followed", probe.HTTPCheck{URL: good + "/old", Body: body}, verify, 0, "", 200, false},
		{"the status expected", probe.HTTPCheck{URL: good + "/broken", Status: 502}, verify, 0, "", 502, false},
		{"a 5xx", probe.HTTPCheck{URL: good + "/broken"}, verify, 0, "status 502 Bad Gateway, want 2xx", 502, false},
		{"another status than expected", probe.HTTPCheck{URL: good + "/", Status: 204}, verify, 0, "want 204", 200, false},
		{"body not matching", probe.HTTPCheck{URL: good + "/", Body: regexp.MustCompile(`SOGo`)}, verify, 0, "does not match", 200, false},
		{"certificate expiring: up, with a warning", probe.HTTPCheck{URL: soon + "/"}, verify, 0, "", 200, true},
		{"untrusted certificate", probe.HTTPCheck{URL: untrusted + "/"}, verify, 0, "unknown authority", 0, false},
		{"plain http", probe.HTTPCheck{URL: plain.URL + "/", Body: body}, probe.Verify{}, 0, "", 200, false},
		{"too slow", probe.HTTPCheck{URL: good + "/slow"}, verify, 200 * time.Millisecond, "deadline exceeded", 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := probe.CheckDetail(context.Background(), probe.Target{Name: "webmail", Kind: probe.HTTP, HTTP: tt.check, Verify: tt.verify, Timeout: tt.timeout})
			switch {
			case tt.errHas == "" && err != nil:
				t.Fatalf("CheckDetail = %v, want up", err)
			case tt.errHas != "" && (err == nil || !strings.Contains(err.Error(), tt.errHas)):
				t.Fatalf("CheckDetail = %v, want an error with %q", err, tt.errHas)
			}
			if d.HTTPStatus != tt.status || d.CertExpiring != tt.expiring {
				t.Errorf("status %d expiring %v, want %d %v", d.HTTPStatus, d.CertExpiring, tt.status, tt.expiring)
			}
			if strings.HasPrefix(tt.check.URL, "https") && tt.status != 0 && d.CertNotAfter.IsZero() {
				t.Error("no certificate expiry reported for https")
			}
		})
	}
}
