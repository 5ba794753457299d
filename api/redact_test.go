package api_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// When PostgreSQL goes away, /readyz (unauthenticated) says only "database
// unreachable", tenant-facing 5xx carry no driver text, host, user or
// database name, and no log line or error shows the password, whichever
// form the DSN takes.
func TestDatabaseOutageShowsNoSecrets(t *testing.T) {
	const secret = "Pa55-w0rd 'leak"
	forms := []struct {
		name string
		dsn  func(host, port, user, dbname string) string
	}{
		{"url userinfo", func(h, p, user, dbname string) string {
			return fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable", user, url.QueryEscape(secret), net.JoinHostPort(h, p), dbname)
		}},
		{"url query", func(h, p, user, dbname string) string {
			return fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable&password=%s", user, net.JoinHostPort(h, p), dbname, url.QueryEscape(secret))
		}},
		{"key=value", func(h, p, user, dbname string) string {
			return fmt.Sprintf(`host=%s port=%s user=%s password='%s' dbname=%s sslmode=disable`, h, p, user, strings.ReplaceAll(secret, "'", `\'`), dbname)
		}},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			base, err := url.Parse(storetest.PostgresURL(t))
			if err != nil {
				t.Fatal(err)
			}
			user, dbname := base.User.Username(), strings.TrimPrefix(base.Path, "/")
			proxy := storetest.NewProxy(t, base.Host)
			host, port, _ := net.SplitHostPort(proxy.Addr)
			dsn := f.dsn(host, port, user, dbname)
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			ctx := context.Background()
			s, err := store.Open(ctx, dsn, log)
			if err != nil {
				t.Fatalf("open through the proxy: %v", err)
			}
			defer s.Close()
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			ver, _ := api.NewVerifier(testAuth(), clock)
			dir := directory.NewService(s, clock)
			seedDirectory(t, dir)
			view := quota.NewView(s, s, clock)
			if err := view.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			r := api.NewRouter(api.Deps{Log: log, Health: s, Now: clock, Auth: ver, Directory: dir, Quota: quota.NewService(s, view, s, clock)})
			get := func(path, tok string) *httptest.ResponseRecorder {
				req := httptest.NewRequest("GET", path, nil)
				if tok != "" {
					req.Header.Set("Authorization", "Bearer "+tok)
				}
				rec := httptest.NewRecorder()
				r.ServeHTTP(rec, req)
				return rec
			}
			for _, path := range []string{"/readyz", "/v1/mailboxes/alice@acme.example/quota"} {
				if rec := get(path, token(t, api.RoleAdmin, "ops")); rec.Code != http.StatusOK {
					t.Fatalf("%s with the database up: %d %s", path, rec.Code, rec.Body.String())
				}
			}
			proxy.Kill()
			hidden := []string{secret, url.QueryEscape(secret), user, dbname, host, port, "dial", "connect"}
			for _, c := range []struct{ path, tok string }{
				{"/readyz", ""},
				{"/v1/customers", token(t, api.RoleCustomer, "acme")},
				{"/v1/customers/acme", token(t, api.RoleAdmin, "ops")},
			} {
				rec := get(c.path, c.tok)
				if rec.Code < 500 {
					t.Errorf("%s with the database down: %d %s", c.path, rec.Code, rec.Body.String())
				}
				p := decode[api.Problem](t, rec)
				if c.path == "/readyz" && p.Detail != "database unreachable" {
					t.Errorf("/readyz detail %q, want \"database unreachable\"", p.Detail)
				}
				for _, h := range hidden {
					if strings.Contains(rec.Body.String(), h) {
						t.Errorf("%s shows %q: %s", c.path, h, rec.Body.String())
					}
				}
			}
			// Quota reads of a known mailbox go on from the in-memory view.
			if rec := get("/v1/mailboxes/alice@acme.example/quota", token(t, api.RoleAdmin, "ops")); rec.Code != http.StatusOK {
				t.Errorf("quota read with the database down: %d %s", rec.Code, rec.Body.String())
			}
			_, err = store.Open(ctx, dsn, log)
			if err == nil || !strings.Contains(err.Error(), user) {
				t.Errorf("Open with the database down: %v (want an error naming the user, for the operator)", err)
			}
			lctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			_ = s.ListenQuota(lctx, log, func() {})
			cancel()
			for _, text := range []string{err.Error(), logs.String()} {
				if strings.Contains(text, secret) || strings.Contains(text, url.QueryEscape(secret)) || strings.Contains(text, "w0rd") {
					t.Errorf("the password shows: %s", text)
				}
			}
			if !strings.Contains(logs.String(), "database unreachable") {
				t.Errorf("the outage was not logged for the operator: %s", logs.String())
			}
		})
	}
}
