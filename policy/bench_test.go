package policy_test

import (
	"bufio"
	"context"
	"io"
	"net"
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
