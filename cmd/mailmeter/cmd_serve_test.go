package main

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/api"
)

// lockedBuffer is a bytes.Buffer safe to read while serve writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestServeRefusesWithoutKey(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	r := runCLI(t, nil, "serve", "--listen", freeAddr(t), "--db", db)
	if r.code != 1 || !strings.Contains(r.stderr, "no JWT key configured") {
		t.Errorf("serve without a key: %+v", r)
	}
}

func TestServeDev(t *testing.T) {
	addr := freeAddr(t)
	db := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--dev", "--listen", addr, "--db", db},
			env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
	}()
	waitFor(t, func() bool { return get(addr, "/healthz") == http.StatusOK })
	var admin string
	for _, line := range strings.Split(out.String(), "\n") {
		if v, ok := strings.CutPrefix(line, "MAILMETER_ADMIN_TOKEN="); ok {
			admin = v
		}
	}
	if admin == "" || !strings.Contains(out.String(), "MAILMETER_MAILBOX_TOKEN=") {
		t.Fatalf("dev tokens not printed: %q", out.String())
	}
	for path, want := range map[string]int{"/v1/customers": 200, "/metrics": 200, "/openapi.yaml": 200} {
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	if strings.Contains(errb.String(), admin) {
		t.Error("the admin token was logged")
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exit %d: %s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestTokenCreate(t *testing.T) {
	secret := "0123456789abcdef0123456789abcdef-cli"
	vars := map[string]string{"MAILMETER_JWT_SECRET": secret}
	var out, errb bytes.Buffer
	e := env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	if err := runToken(context.Background(), e, []string{"create", "--role", "mailbox", "--subject", "Alice@Acme.example", "--ttl", "2h"}); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSuffix(out.String(), "\n")
	if strings.Count(out.String(), "\n") != 1 || strings.Count(tok, ".") != 2 {
		t.Fatalf("stdout %q: want the token alone", out.String())
	}
	v, err := api.NewVerifier(api.AuthConfig{Issuer: "mailmeter", Audience: "mailmeter", Secret: []byte(secret)}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := v.Verify(tok); err != nil || p.Role != api.RoleMailbox || p.Subject != "alice@acme.example" {
		t.Errorf("Verify = %+v, %v", p, err)
	}
	for _, args := range [][]string{
		{"create", "--role", "root", "--subject", "x"},
		{"create", "--role", "admin"},
		{"list"},
	} {
		if err := runToken(context.Background(), e, args); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
	noKey := env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	if err := runToken(context.Background(), noKey, []string{"create", "--role", "admin", "--subject", "ops"}); err == nil || !strings.Contains(err.Error(), "no signing key") {
		t.Errorf("without a key: %v", err)
	}
}
