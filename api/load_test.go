package api_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/api"
)

// The server stays available while 300 unauthenticated clients upload
// slowly and 500 keep-alive connections sit idle: every upload is refused
// with 401 at once (its body unread), normal requests are answered within
// 100 ms, and the goroutines of the attacking connections are reclaimed
// while the attacker still holds them open.
func TestServerUnderLoad(t *testing.T) {
	e := sqliteEnv(t)
	srv := api.NewServer(e.router, api.Timeouts{ReadHeader: 2 * time.Second, Read: 3 * time.Second, Write: 5 * time.Second, Idle: time.Second})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	addr := ln.Addr().String()
	tok := token(t, api.RoleMailbox, "alice@acme.example")
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	t.Cleanup(client.CloseIdleConnections)
	normal := func() time.Duration {
		start := time.Now()
		req, _ := http.NewRequest("GET", "http://"+addr+"/v1/mailboxes/alice@acme.example/quota", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("normal request: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("normal request: %d", resp.StatusCode)
		}
		return time.Since(start)
	}
	normal()
	base := runtime.NumGoroutine()

	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		conns = append(conns, c)
		return c
	}
	for range 500 {
		c := dial()
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: mailmeter\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("keep-alive request: %v", err)
		}
		resp.Body.Close()
	}
	// Small bodies (which the server would otherwise wait for before
	// answering) and large ones, to the ingest and to a normal route.
	uploads := make([]net.Conn, 300)
	for i := range uploads {
		path, size := "/v1/ingest", 100<<10
		switch i % 3 {
		case 1:
			size = 32 << 20
		case 2:
			path, size = "/v1/customers", 60<<10
		}
		uploads[i] = dial()
		fmt.Fprintf(uploads[i], "POST %s HTTP/1.1\r\nHost: mailmeter\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", path, size)
	}
	stop := make(chan struct{})
	var trickling sync.WaitGroup
	trickling.Add(1)
	go func() { // one byte per upload every 100 ms, until the test ends
		defer trickling.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			for _, c := range uploads {
				c.SetWriteDeadline(time.Now().Add(10 * time.Millisecond))
				c.Write([]byte(" "))
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		trickling.Wait()
	})

	peak := runtime.NumGoroutine()
	var took []time.Duration
	for range 20 {
		took = append(took, normal())
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	t.Logf("under attack (%d goroutines, %d at rest): normal requests took median %v, max %v", peak, base, took[len(took)/2], took[len(took)-1])
	if took[len(took)-1] > 100*time.Millisecond {
		t.Errorf("a normal request took %v under attack, want < 100ms (all: %v)", took[len(took)-1], took)
	}

	deadline := time.Now().Add(time.Second)
	refused := 0
	for i, c := range uploads {
		c.SetReadDeadline(deadline)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Errorf("upload %d: no answer within 1s of its headers (the server waits for the body): %v", i, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusUnauthorized {
			refused++
		}
	}
	if refused != len(uploads) {
		t.Errorf("%d of %d unauthenticated uploads refused with 401", refused, len(uploads))
	}

	start := time.Now()
	for runtime.NumGoroutine() > base+30 {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("%d goroutines 10s after the attack started (%d at rest): the server holds idle and slow connections", runtime.NumGoroutine(), base)
		}
		<-time.After(50 * time.Millisecond)
	}
	t.Logf("goroutines back to %d (%d at rest, %d at the peak) %v after the attack was set up, with its %d connections still open", runtime.NumGoroutine(), base, peak, time.Since(start), len(conns))
}

// At most api.DefaultMaxLargeBodies large bodies are read at once: the next
// authenticated upload is answered 503 at once, and admitted again when a
// slot frees up.
func TestLargeBodiesAreBounded(t *testing.T) {
	e := sqliteEnv(t)
	srv := api.NewServer(e.router, api.Timeouts{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	tok := token(t, api.RoleService, "mx1")
	upload := func() net.Conn {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		fmt.Fprintf(c, "POST /v1/ingest HTTP/1.1\r\nHost: mailmeter\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", tok, 2<<20)
		return c
	}
	answer := func(c net.Conn, within time.Duration) (*http.Response, error) {
		c.SetReadDeadline(time.Now().Add(within))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}
	var held []net.Conn
	for range api.DefaultMaxLargeBodies {
		held = append(held, upload())
	}
	// The held uploads are being read: no answer while their bodies trickle.
	for i, c := range held {
		if resp, err := answer(c, 50*time.Millisecond); err == nil {
			t.Fatalf("held upload %d answered %d before its body arrived", i, resp.StatusCode)
		}
	}
	resp, err := answer(upload(), 2*time.Second)
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("upload beyond the limit: %v %v", resp, err)
	}
	held[0].Close()
	var again *http.Response
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := upload()
		again, err = answer(c, 200*time.Millisecond)
		if err != nil { // admitted: it is being read
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no slot freed after an upload ended: %d", again.StatusCode)
		}
		c.Close()
	}
}
