package policy_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/policy"
)

// BenchmarkDecide measures one decision from the in-memory view (a full
// mailbox: the most work).
func BenchmarkDecide(b *testing.B) {
	w := newWorld(b)
	d := policy.NewDecider(w.view, policy.Options{Delimiter: "+"}, w.clock.now)
	ctx := context.Background()
	req := rcpt("alice+x@acme.example", "dave@acme.example", 100)
	b.ReportAllocs()
	for b.Loop() {
		if !d.Decide(ctx, req).Refused() {
			b.Fatal("not refused")
		}
	}
}

// BenchmarkServer measures the policy server over loopback TCP as Postfix
// uses it: 16 smtpd processes, each with its own connection, one request
// at a time. It reports decisions per second and the p99 round trip.
func BenchmarkServer(b *testing.B) {
	w := newWorld(b)
	addr, _, stop := startServer(b, w)
	defer stop()
	const clients, perClient = 16, 5000
	request := []byte(rcptLines("alice@acme.example"))
	lat := make([][]time.Duration, clients)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		var wg sync.WaitGroup
		for c := range clients {
			wg.Go(func() {
				conn, err := net.Dial("tcp", addr)
				if err != nil {
					b.Error(err)
					return
				}
				defer conn.Close()
				r := bufio.NewReader(conn)
				for range perClient {
					t0 := time.Now()
					if _, err := conn.Write(request); err != nil {
						b.Error(err)
						return
					}
					// "action=...\n\n"
					if _, err := r.ReadSlice('\n'); err != nil {
						b.Error(err)
						return
					}
					if _, err := r.ReadSlice('\n'); err != nil && err != io.EOF {
						b.Error(err)
						return
					}
					lat[c] = append(lat[c], time.Since(t0))
				}
			})
		}
		wg.Wait()
	}
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	p99 := all[len(all)*99/100]
	rate := float64(len(all)) / elapsed.Seconds()
	b.ReportMetric(rate, "decisions/s")
	b.ReportMetric(float64(p99.Microseconds()), "p99_µs")
	b.Logf("%d decisions over %d loopback connections: %.0f/s, p50 %v, p99 %v", len(all), clients, rate, all[len(all)/2], p99)
}

// BenchmarkIdleConnections holds 5,000 idle connections (as many smtpd
// processes would) and reports the memory each costs the server and the
// round trip of a request on a new connection meanwhile.
func BenchmarkIdleConnections(b *testing.B) {
	w := newWorld(b)
	addr, _, stop := startServer(b, w)
	defer stop()
	const n = 5000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	request := []byte(rcptLines("erin@acme.example"))
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
		if _, err := c.Write(request); err != nil { // one request each, then idle
			b.Fatal(err)
		}
		if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perConn := float64((after.HeapInuse+after.StackInuse)-(before.HeapInuse+before.StackInuse)) / n
	b.ResetTimer()
	var worst time.Duration
	for b.Loop() {
		t0 := time.Now()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		r := bufio.NewReader(c)
		if _, err := c.Write(request); err != nil {
			b.Fatal(err)
		}
		if _, err := r.ReadString('\n'); err != nil {
			b.Fatal(err)
		}
		worst = max(worst, time.Since(t0))
		c.Close()
	}
	b.ReportMetric(perConn, "B/idle_conn")
	b.ReportMetric(float64(worst.Microseconds()), "worst_new_µs")
	b.Logf("%d idle connections: %.0f bytes each (client and server heap and stacks of this process); a new connection's request answered within %v at worst", n, perConn, worst)
}
