package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/store/storetest"
)

// token create refuses a lifetime over auth.max_ttl (default a year).
func TestTokenMaxTTL(t *testing.T) {
	vars := map[string]string{"MAILMETER_JWT_SECRET": testJWTSecret}
	r := runCLI(t, vars, "token", "create", "--role", "admin", "--subject", "ops", "--ttl", "876000h")
	if r.code == 0 || r.stdout != "" || !strings.Contains(r.stderr, "auth.max_ttl") {
		t.Errorf("--ttl 876000h: %+v", r)
	}
	if r := runCLI(t, vars, "token", "create", "--role", "admin", "--subject", "ops", "--ttl", "8760h"); r.code != 0 {
		t.Errorf("--ttl 8760h (a year): %+v", r)
	}
	conf := filepath.Join(t.TempDir(), "mailmeter.yaml")
	writeFile(t, conf, "auth: {max_ttl: 48h}\n")
	if r := runCLI(t, vars, "token", "create", "--role", "admin", "--subject", "ops", "--ttl", "49h", "--config", conf); r.code == 0 {
		t.Errorf("--ttl 49h over a max_ttl of 48h: %+v", r)
	}
	if r := runCLI(t, vars, "token", "create", "--role", "admin", "--subject", "ops", "--ttl", "48h", "--config", conf); r.code != 0 {
		t.Errorf("--ttl 48h: %+v", r)
	}
}

// mint runs token create and returns the token and its id (jti).
func mint(t *testing.T, vars map[string]string, role, subject string) (tok, jti string) {
	t.Helper()
	r := runCLI(t, vars, "token", "create", "--role", role, "--subject", subject, "--ttl", "1h")
	if r.code != 0 {
		t.Fatalf("token create: %+v", r)
	}
	_, rest, ok := strings.Cut(r.stderr, "token id ")
	jti, _, _ = strings.Cut(rest, ",")
	if !ok || jti == "" {
		t.Fatalf("token create printed no id: %q", r.stderr)
	}
	return strings.TrimSpace(r.stdout), jti
}

// statusAs answers GET path on addr with tok.
func statusAs(t *testing.T, method, addr, path, tok string) int {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+addr+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A token revoked with `token revoke JTI` or DELETE /v1/tokens/{jti} is
// denied by every serve process sharing the database: at once by the one
// that revoked it, and by the others within their refresh (SQLite) or at
// once through LISTEN/NOTIFY (PostgreSQL, where the periodic refresh is
// set to an hour so only the notification can deliver it).
func TestTokenRevokeAcrossReplicas(t *testing.T) {
	for _, db := range []struct {
		name, refresh string
		url           func(t *testing.T) string
	}{
		{"sqlite", "200ms", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "m.db") }},
		{"postgres", "1h", func(t *testing.T) string { return storetest.PostgresURL(t) }},
	} {
		t.Run(db.name, func(t *testing.T) {
			url := db.url(t)
			vars := map[string]string{"MAILMETER_JWT_SECRET": testJWTSecret, "MAILMETER_DB": url}
			a := startServe(t, vars, "--token-refresh", db.refresh)
			b := startServe(t, vars, "--token-refresh", db.refresh)
			admin, _ := mint(t, vars, "admin", "ops")
			byCLI, cliJTI := mint(t, vars, "service", "mx1")
			byAPI, apiJTI := mint(t, vars, "service", "mx2")
			const path = "/v1/ingest/sources/nowhere" // 404 for a service token that is let in
			for _, s := range []*served{a, b} {
				for _, tok := range []string{byCLI, byAPI} {
					if got := statusAs(t, "GET", s.addr, path, tok); got != http.StatusNotFound {
						t.Fatalf("before revocation: %d", got)
					}
				}
			}
			if r := runCLI(t, vars, "token", "revoke", cliJTI); r.code != 0 || !strings.Contains(r.stdout, "revoked token "+cliJTI) {
				t.Fatalf("token revoke: %+v", r)
			}
			if got := statusAs(t, "DELETE", a.addr, "/v1/tokens/"+apiJTI, admin); got != http.StatusNoContent {
				t.Fatalf("DELETE /v1/tokens/%s: %d", apiJTI, got)
			}
			if got := statusAs(t, "GET", a.addr, path, byAPI); got != http.StatusUnauthorized {
				t.Errorf("the replica that revoked still lets the token in: %d", got)
			}
			start := time.Now()
			for _, s := range []*served{a, b} {
				for _, tok := range []string{byCLI, byAPI} {
					waitFor(t, func() bool { return statusAs(t, "GET", s.addr, path, tok) == http.StatusUnauthorized })
				}
			}
			t.Logf("revocations reached both replicas within %v", time.Since(start))
			if got := statusAs(t, "GET", b.addr, "/v1/customers", admin); got != http.StatusOK {
				t.Errorf("the admin token was denied too: %d", got)
			}
			if r := runCLI(t, vars, "token", "revoke", "has space"); r.code != 2 {
				t.Errorf("token revoke of a malformed id: %+v", r)
			}
		})
	}
}
