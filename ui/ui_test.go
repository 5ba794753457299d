package ui_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/ui"
)

func get(t *testing.T, h http.Handler, method, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// The console and the widget come from the binary, with a policy that
// keeps every request on the page's origin; the widget may be framed by
// the configured webmail origins, the console by nobody.
func TestHandler(t *testing.T) {
	h := ui.New(ui.Options{FrameOrigins: []string{"https://webmail.example"}})
	rec := get(t, h, "GET", "/ui/")
	csp := rec.Header().Get("Content-Security-Policy")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || !strings.Contains(rec.Body.String(), `src="app.js"`) {
		t.Fatalf("GET /ui/: %d %v %.200s", rec.Code, rec.Header(), rec.Body.String())
	}
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("console CSP %q lacks %q", csp, want)
		}
	}
	if rec.Header().Get("Referrer-Policy") != "no-referrer" || rec.Header().Get("X-Frame-Options") != "DENY" {
		t.Errorf("console headers: %v", rec.Header())
	}
	for path, ct := range map[string]string{"/ui/app.js": "text/javascript", "/ui/app.css": "text/css",
		"/ui/vendor/uplot/uPlot.iife.min.js": "text/javascript", "/embed/quota.js": "text/javascript", "/ui/favicon.svg": "image/svg+xml"} {
		if rec := get(t, h, "GET", path); rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), ct) {
			t.Errorf("GET %s: %d %s", path, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
	rec = get(t, h, "GET", "/embed/quota")
	if csp := rec.Header().Get("Content-Security-Policy"); rec.Code != 200 || !strings.Contains(csp, "frame-ancestors 'self' https://webmail.example") ||
		rec.Header().Get("X-Frame-Options") != "" || !strings.Contains(rec.Body.String(), "<mailmeter-quota") {
		t.Errorf("GET /embed/quota: %d %q", rec.Code, csp)
	}
	etag := get(t, h, "GET", "/ui/app.js").Header().Get("ETag")
	if rec := get(t, h, "GET", "/ui/app.js", "If-None-Match", etag); etag == "" || rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("conditional GET: %d (etag %q)", rec.Code, etag)
	}
	if rec := get(t, h, "HEAD", "/ui/app.css"); rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("HEAD: %d %d bytes", rec.Code, rec.Body.Len())
	}
	for _, path := range []string{"/ui/nope.js", "/ui/../ui.go", "/embed/", "/ui/vendor/uplot/"} {
		if rec := get(t, h, "GET", path); rec.Code != 404 {
			t.Errorf("GET %s: %d, want 404", path, rec.Code)
		}
	}
	if rec := get(t, h, "POST", "/ui/"); rec.Code != 404 {
		t.Errorf("POST /ui/: %d", rec.Code)
	}
}

// The console loads nothing from another origin: no URL in its files
// names a host.
func TestNoExternalRequests(t *testing.T) {
	h := ui.New(ui.Options{})
	for _, path := range []string{"/ui/", "/ui/app.js", "/ui/api.js", "/ui/charts.js", "/ui/app.css", "/embed/quota", "/embed/quota-frame.js"} {
		body := get(t, h, "GET", path).Body.String()
		for _, bad := range []string{"http://", "https://", "//cdn", "fonts.googleapis"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s mentions %q", path, bad)
			}
		}
	}
}
