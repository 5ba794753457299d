package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mailmeter/mailmeter/config"
)

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	writeFile(t, cfg, "db: postgres://meter:s3cr3t-db-pass@db.internal:5432/m?sslmode=disable\n"+
		"quota: {webhook_url: \"https://hooks.example/x?token=hooktoken123\", webhook_secret: webhook-secret-0123456789}\n"+
		"metrics: {token: metrics-token-0123456789}\nlisten: 0.0.0.0:9000\n")
	vars := map[string]string{"MAILMETER_JWT_SECRET": "jwt-secret-0123456789-0123456789-abc", "MAILMETER_LOG_LEVEL": "debug"}
	r := runCLI(t, vars, "config", "check", cfg)
	if r.code != 0 {
		t.Fatalf("config check: %+v", r)
	}
	for _, secret := range []string{"s3cr3t-db-pass", "hooktoken123", "webhook-secret-0123456789", "metrics-token-0123456789", "jwt-secret-0123456789"} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("config check shows the secret %q:\n%s", secret, r.stdout)
		}
	}
	// The output is a configuration: read back, it is the effective one,
	// secrets aside.
	out := filepath.Join(dir, "out.yaml")
	if err := os.WriteFile(out, []byte(r.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := config.Load(out, func(string) string { return "" })
	if err != nil {
		t.Fatalf("the printed configuration does not load: %v\n%s", err, r.stdout)
	}
	want, err := config.Load(cfg, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want.Masked(), got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("printed configuration (-effective +printed):\n%s", d)
	}
	if got.Log.Level != "debug" || got.Listen != "0.0.0.0:9000" || got.Auth.Secret != config.Mask {
		t.Errorf("environment or file lost: %+v", got)
	}

	writeFile(t, cfg, "log:\n  level: info\n  colour: blue\n")
	if r := runCLI(t, nil, "config", "check", cfg); r.code != 1 || !strings.Contains(r.stderr, `line 3: unknown key "log.colour"`) {
		t.Errorf("unknown key: %+v", r)
	}
	writeFile(t, cfg, "policy: {over_quota: bounce}\n")
	if r := runCLI(t, nil, "config", "check", cfg); r.code != 1 || !strings.Contains(r.stderr, "policy.over_quota") {
		t.Errorf("bad value: %+v", r)
	}
	if r := runCLI(t, nil, "config", "check"); r.code != 2 {
		t.Errorf("no file: %+v", r)
	}
}

// The example configuration passes config check.
func TestConfigCheckExample(t *testing.T) {
	r := runCLI(t, nil, "config", "check", filepath.Join("..", "..", "deploy", "mailmeter.example.yaml"))
	if r.code != 0 || !strings.Contains(r.stdout, "is valid") {
		t.Errorf("config check of the example: %+v", r)
	}
}
