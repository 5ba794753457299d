package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// collect started while the database is down waits for it with backoff,
// as it does once running, and meters the log once it appears: the
// database is reached through a port where nothing listens at first, then
// a proxy to the test server starts listening there.
func TestCollectStartedWhileTheDatabaseIsDown(t *testing.T) {
	dsn := storetest.PostgresURL(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	server := u.Host
	u.Host = freeAddr(t) // nothing listens here yet
	down := u.String()

	dir := t.TempDir()
	logPath := filepath.Join(dir, "mail.log")
	stamp := "Nov 28 10:00:00 mx "
	writeFile(t, logPath, stamp+"postfix/smtpd[1]: 4B3C2D1E0F: client=unknown[192.0.2.1]\n"+
		stamp+"postfix/qmgr[2]: 4B3C2D1E0F: from=<x@example.org>, size=2048, nrcpt=1 (queue active)\n"+
		stamp+"postfix/local[3]: 4B3C2D1E0F: to=<bob@acme.example>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)\n")
	conf := filepath.Join(dir, "c.yaml")
	writeFile(t, conf, fmt.Sprintf("db: %s\nlogs:\n  - {path: %s, format: postfix, host: mx1, timezone: UTC}\ncollect:\n  flush_interval: 100ms\n", down, logPath))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan result, 1)
	var errb syncBuffer
	go func() {
		var out bytes.Buffer
		code := run(ctx, []string{"collect", "--config", conf, "--metrics-listen", ""}, env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
		done <- result{code, out.String(), errb.String()}
	}()
	// It keeps trying rather than exiting.
	waitFor(t, func() bool {
		select {
		case r := <-done:
			t.Fatalf("collect gave up while the database was down: exit %d: %s", r.code, r.stderr)
		default:
		}
		return bytes.Contains(errb.Bytes(), []byte("retrying"))
	})

	proxy(t, u.Host, server) // the database appears
	s, err := store.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		tot, _ := s.Totals(context.Background(), metering.UsageQuery{From: time.Unix(0, 0), To: time.Now().AddDate(2, 0, 0), Mailboxes: []string{"bob@acme.example"}})
		if len(tot) == 1 && tot[0].Values[metering.InBytes] == 2048 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing metered 30s after the database appeared (totals %+v); collect said:\n%s", tot, errb.String())
		}
		pause()
	}
	cancel()
	select {
	case r := <-done:
		if r.code != 0 {
			t.Errorf("collect exit %d: %s", r.code, r.stderr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("collect did not stop")
	}
}

// proxy listens on addr and forwards every connection to target until the
// test ends.
func proxy(t *testing.T, addr, target string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, up)
			mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(up, c); up.Close() }()
			go func() { defer wg.Done(); io.Copy(c, up); c.Close() }()
		}
	}()
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf.Bytes()...)
}

func (b *syncBuffer) String() string { return string(b.Bytes()) }
