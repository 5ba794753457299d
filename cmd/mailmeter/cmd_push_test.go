package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/loggen"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
)

// A mail host with no database access: collect --push ships its batches to
// serve's /v1/ingest with a service token, and the usage lands exactly once.
func TestCollectPushToServe(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "central.db")
	secret := map[string]string{"MAILMETER_JWT_SECRET": strings.Repeat("s3cret-", 6)}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan int, 1)
	go func() {
		var out, errb lockedBuffer
		served <- run(ctx, []string{"serve", "--listen", addr, "--db", db}, env{stdout: &out, stderr: &errb, getenv: func(k string) string { return secret[k] }})
	}()
	waitFor(t, func() bool { return get(addr, "/readyz") == 200 })
	tok := runCLI(t, secret, "token", "create", "--role", "service", "--subject", "mx1", "--ttl", "1h")
	if tok.code != 0 || strings.Count(tok.stdout, ".") != 2 {
		t.Fatalf("token create: %+v", tok)
	}

	logPath := filepath.Join(dir, "mail.log")
	var buf bytes.Buffer
	cfg := loggen.DefaultConfig()
	cfg.Messages, cfg.Mailboxes = 500, 20
	truth, err := loggen.Postfix(&buf, cfg)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(logPath, buf.Bytes(), 0o644)
	conf := filepath.Join(dir, "collect.yaml")
	writeFile(t, conf, fmt.Sprintf("logs:\n  - {path: %s, format: postfix, host: mx1, timezone: UTC}\ncollect:\n  flush_interval: 100ms\n  batch_lines: 2000\n", logPath))
	pushEnv := map[string]string{"MAILMETER_TOKEN": strings.TrimSpace(tok.stdout)}
	cctx, ccancel := context.WithCancel(context.Background())
	collected := make(chan result, 1)
	go func() {
		var out, errb lockedBuffer
		code := run(cctx, []string{"collect", "--config", conf, "--push", "http://" + addr, "--metrics-listen", "",
			"--db", "sqlite:" + filepath.Join(dir, "never-created.db")}, env{stdout: &out, stderr: &errb, getenv: func(k string) string { return pushEnv[k] }})
		collected <- result{code, out.String(), errb.String()}
	}()
	s, err := store.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	waitFor(t, func() bool {
		cp, err := s.Checkpoint(context.Background(), "mx1:"+logPath)
		return err == nil && cp.Offset == truth.Bytes
	})
	ccancel()
	if r := <-collected; r.code != 0 {
		t.Errorf("collect --push exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "never-created.db")); err == nil {
		t.Error("collect --push opened a local database")
	}
	tot, err := s.Totals(context.Background(), metering.UsageQuery{From: time.Unix(0, 0), To: time.Now().AddDate(2, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]map[metering.Metric]int64{}
	for _, m := range tot {
		for k, v := range m.Values {
			if v != 0 {
				if got[m.Mailbox] == nil {
					got[m.Mailbox] = map[metering.Metric]int64{}
				}
				got[m.Mailbox][k] = v
			}
		}
	}
	for mb, want := range truth.Usage {
		for k, v := range want {
			if got[mb][k] != v {
				t.Errorf("%s %s = %d, truth %d", mb, k, got[mb][k], v)
			}
		}
	}
	if r := runCLI(t, nil, "collect", "--config", conf, "--push", "http://"+addr); r.code != 2 || !strings.Contains(r.stderr, "MAILMETER_TOKEN") {
		t.Errorf("push without a token: %+v", r)
	}
}
