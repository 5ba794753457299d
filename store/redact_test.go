package store_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/dsn"
)

// dsnForms are the ways a database password can be written, each with the
// secret texts that must never show (decoded and as written).
var dsnForms = []struct {
	name    string
	dsn     string
	secrets []string
}{
	{"url userinfo", "postgres://alice:Pa55-leak-1@127.0.0.1:1/meter?sslmode=disable", []string{"Pa55-leak-1"}},
	{"postgresql scheme, encoded", "postgresql://alice:Pa55%40leak%2F2@127.0.0.1:1/meter?sslmode=disable", []string{"Pa55@leak/2", "Pa55%40leak%2F2"}},
	{"url query", "postgres://alice@127.0.0.1:1/meter?sslmode=disable&password=Pa55-leak-3", []string{"Pa55-leak-3"}},
	{"url query and userinfo", "postgres://alice:Pa55-leak-4a@127.0.0.1:1/meter?password=Pa55-leak-4b&sslmode=disable", []string{"Pa55-leak-4a", "Pa55-leak-4b"}},
	{"key=value", "host=127.0.0.1 port=1 user=alice password=Pa55-leak-5 dbname=meter sslmode=disable", []string{"Pa55-leak-5"}},
	{"key=value quoted", "host=127.0.0.1 port=1 user=alice password='Pa55 leak \\' 6' dbname=meter sslmode=disable", []string{"Pa55 leak", "leak \\' 6", "' 6"}},
	{"key = value spaced", "host=127.0.0.1 port=1 user=alice password = Pa55-leak-7 dbname=meter", []string{"Pa55-leak-7"}},
	{"malformed url", "postgres://alice:Pa55-leak-8@127.0.0.1:notaport/meter", []string{"Pa55-leak-8"}},
	{"malformed url, no scheme match", "postgres:/alice:Pa55-leak-9@127.0.0.1/meter", []string{"Pa55-leak-9"}},
	{"url query, a value the driver refuses", "postgres://alice@127.0.0.1:1/meter?password=Pa55-leak-11&sslmode=bogus", []string{"Pa55-leak-11"}},
	{"sslpassword", "postgres://alice@127.0.0.1:1/meter?sslpassword=Pa55-leak-10", []string{"Pa55-leak-10"}},
}

func leaks(text string, secrets []string) string {
	for _, s := range secrets {
		if strings.Contains(text, s) {
			return s
		}
	}
	return ""
}

// A DSN's password shows in no redacted form, no error of Open or of the
// configuration check, and no log line, whatever form the DSN takes; the
// parts an operator needs (user, host) stay.
func TestDSNRedaction(t *testing.T) {
	for _, f := range dsnForms {
		t.Run(f.name, func(t *testing.T) {
			red := dsn.Redact(f.dsn)
			if s := leaks(red, f.secrets); s != "" {
				t.Errorf("Redact = %q shows %q", red, s)
			}
			if !strings.Contains(red, "alice") {
				t.Errorf("Redact = %q lost the user", red)
			}
			c := config.Default()
			c.DB = f.dsn
			if err := c.Validate(); err != nil {
				if s := leaks(err.Error(), f.secrets); s != "" {
					t.Errorf("config error %q shows %q", err, s)
				}
			}
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s, err := store.Open(ctx, f.dsn, log)
			if err == nil {
				s.Close()
				t.Fatalf("Open of an unreachable database succeeded")
			}
			if s := leaks(err.Error(), f.secrets); s != "" {
				t.Errorf("Open error %q shows %q", err, s)
			}
			if s := leaks(logs.String(), f.secrets); s != "" {
				t.Errorf("logs show %q: %s", s, logs.String())
			}
		})
	}
}
