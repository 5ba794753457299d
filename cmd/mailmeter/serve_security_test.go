package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"
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
		case code := <-done:
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
