package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/api"
)

// served is a serve process run in the test.
type served struct {
	addr      string
	out, errb *lockedBuffer
	stop      func() int // ends serve and returns its exit code
}

// startServe runs serve with args (plus --listen on a free port) and the
// given environment until the test ends, once /healthz answers.
func startServe(t *testing.T, vars map[string]string, args ...string) *served {
	t.Helper()
	s := &served{addr: freeAddr(t), out: &lockedBuffer{}, errb: &lockedBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--listen", s.addr}, args...),
			env{stdout: s.out, stderr: s.errb, getenv: func(k string) string { return vars[k] }})
	}()
	code, stopped := 0, false
	s.stop = func() int {
		if !stopped {
			cancel()
			select {
			case code = <-done:
			case <-time.After(15 * time.Second):
				t.Fatal("serve did not stop")
			}
			stopped = true
		}
		return code
	}
	t.Cleanup(func() { s.stop() })
	deadline := time.Now().Add(10 * time.Second)
	for get(s.addr, "/healthz") != http.StatusOK {
		select {
		case code = <-done:
			stopped = true
			t.Fatalf("serve exited %d: %s", code, s.errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not answer within 10s: %s", s.errb.String())
		}
		pause()
	}
	return s
}

const testJWTSecret = "0123456789abcdef0123456789abcdef-security"

// serve closes keep-alive connections idle for api.idle_timeout.
func TestServeClosesIdleConnections(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "mailmeter.yaml")
	writeFile(t, conf, "api: {idle_timeout: 300ms}\n")
	s := startServe(t, map[string]string{"MAILMETER_JWT_SECRET": testJWTSecret}, "--config", conf, "--db", "sqlite:"+filepath.Join(dir, "m.db"))
	c, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: mailmeter\r\n\r\n")
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("keep-alive request: %v", err)
	}
	resp.Body.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	if _, err := r.ReadByte(); err == nil || isTimeout(err) {
		t.Fatalf("idle connection still open after %v: %v", time.Since(start), err)
	}
	t.Logf("idle connection closed after %v", time.Since(start))
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// serve --dev prints its two tokens but never logs the generated secret:
// no word of the log verifies the printed admin token.
func TestServeDevLogsNoSecret(t *testing.T) {
	s := startServe(t, nil, "--dev", "--db", "sqlite:"+filepath.Join(t.TempDir(), "m.db"))
	var admin string
	for _, line := range strings.Split(s.out.String(), "\n") {
		if v, ok := strings.CutPrefix(line, "MAILMETER_ADMIN_TOKEN="); ok {
			admin = v
		}
	}
	if admin == "" {
		t.Fatalf("no admin token printed: %q", s.out.String())
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("serve exit %d: %s", code, s.errb.String())
	}
	logs := s.errb.String()
	if !strings.Contains(logs, "development mode") {
		t.Errorf("the development mode is not logged: %s", logs)
	}
	words := strings.FieldsFunc(logs, func(r rune) bool { return r == ' ' || r == '\n' || r == '=' || r == '"' })
	for _, w := range words {
		v, err := api.NewVerifier(api.AuthConfig{Issuer: "mailmeter", Audience: "mailmeter", Secret: []byte(w)}, time.Now)
		if err != nil {
			continue
		}
		if _, err := v.Verify(admin); err == nil {
			t.Fatalf("the log holds the development secret: %s", logs)
		}
	}
}

// serve --dev refuses to listen anywhere but on the loopback interface.
func TestServeDevRefusesPublicListen(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.10:0", "mail.example.com:0"} {
		// Bounded: a serve that does not refuse stops after 3 s.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		var out, errb lockedBuffer
		code := run(ctx, []string{"serve", "--dev", "--listen", addr, "--db", db}, env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
		cancel()
		r := result{code, out.String(), errb.String()}
		if r.code != 2 || !strings.Contains(r.stderr, "--dev") || !strings.Contains(r.stderr, "loopback") {
			t.Errorf("serve --dev --listen %s: %+v", addr, r)
		}
		if strings.Contains(r.stdout, "MAILMETER_ADMIN_TOKEN") {
			t.Errorf("serve --dev --listen %s printed tokens", addr)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0", "localhost:0"} {
		if err := checkDevListen(addr); err != nil {
			t.Errorf("--dev --listen %s refused: %v", addr, err)
		}
	}
}

// metrics.listen serves /metrics on its own address (not on the API's),
// behind metrics.token.
func TestServeMetricsListener(t *testing.T) {
	dir := t.TempDir()
	metricsAddr := freeAddr(t)
	const secret = "metrics-token-0123456789"
	conf := filepath.Join(dir, "mailmeter.yaml")
	writeFile(t, conf, fmt.Sprintf("metrics: {listen: %q, token: %q}\n", metricsAddr, secret))
	s := startServe(t, map[string]string{"MAILMETER_JWT_SECRET": testJWTSecret}, "--config", conf, "--db", "sqlite:"+filepath.Join(dir, "m.db"))
	if got := get(s.addr, "/metrics"); got != http.StatusNotFound {
		t.Errorf("/metrics on the API address: %d, want 404", got)
	}
	if got := get(metricsAddr, "/metrics"); got != http.StatusUnauthorized {
		t.Errorf("/metrics without the token: %d, want 401", got)
	}
	req, _ := http.NewRequest("GET", "http://"+metricsAddr+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "go_goroutines") {
		t.Errorf("/metrics with the token: %d %.200s", resp.StatusCode, body)
	}
}

// serve --dev refuses a metrics listener other hosts could reach, too.
func TestServeDevRefusesPublicMetrics(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "mailmeter.yaml")
	writeFile(t, conf, "metrics: {listen: \"0.0.0.0:0\"}\n")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var out, errb lockedBuffer
	code := run(ctx, []string{"serve", "--dev", "--listen", freeAddr(t), "--config", conf, "--db", "sqlite:" + filepath.Join(dir, "m.db")},
		env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
	if code != 2 || !strings.Contains(errb.String(), "metrics.listen") {
		t.Errorf("serve --dev with metrics on 0.0.0.0: exit %d: %s", code, errb.String())
	}
}
