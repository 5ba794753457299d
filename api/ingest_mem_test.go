package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/internal/ingest"
	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// bigBatch returns the JSON of an ingest batch of about size bytes: a
// collector catching up, with the counters of many mailboxes over many
// hours, some gauges and latency buckets.
func bigBatch(t testing.TB, size int) []byte {
	t.Helper()
	w := ingest.Batch{Source: "mx1:/var/log/mail.log", Seq: 1, FromOffset: 0, ToOffset: 1 << 30}
	h := t0.Truncate(time.Hour)
	n := size / 121 // a counter with its share of gauges and latency is about 121 bytes of JSON
	for i := range n {
		mb := fmt.Sprintf("user%05d@acme.example", i%5000)
		hour := h.Add(-time.Duration(i/5000) * time.Hour)
		w.Counters = append(w.Counters, ingest.Counter{Mailbox: mb, Metric: metering.CounterMetrics[i%len(metering.CounterMetrics)], Hour: hour, Value: int64(i)})
		if i%20 == 0 {
			w.Gauges = append(w.Gauges, ingest.Gauge{Mailbox: mb, Folder: "INBOX", Metric: metering.StorageBytes, Hour: hour, Last: int64(i), Max: int64(i), ObservedAt: hour.Add(time.Minute)})
		}
		if i%50 == 0 {
			w.Latency = append(w.Latency, ingest.Latency{Hour: hour, Direction: metering.Inbound, Domain: "acme.example", Bucket: i % 60, Count: 1})
		}
	}
	b, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// heapPeak samples the heap while f runs and returns the peak growth of
// the live heap over the level before f and the bytes f allocated in all.
func heapPeak(f func()) (peak, total uint64) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	done := make(chan struct{})
	var wg sync.WaitGroup
	var max uint64
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > max {
				max = m.HeapAlloc
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	f()
	close(done)
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > max {
		max = after.HeapAlloc
	}
	return max - min(max, before.HeapAlloc), after.TotalAlloc - before.TotalAlloc
}

// A 30 MB batch is decoded as a stream: decoding it allocates about
// three times its size (106 MB of 28.5 MB measured; the whole batch decoded
// at once took 256 MB, with the heap peaking 157 MB up). The figures are
// printed; the bound asserted is generous.
func TestIngestDecodeMemory(t *testing.T) {
	testenv.Long(t, "builds a 30 MB batch")
	body := bigBatch(t, 30<<20)
	var in metering.IngestInput
	peak, total := heapPeak(func() {
		var err error
		if in, err = ingest.Decode(bytes.NewReader(body)); err != nil {
			t.Error(err)
		}
	})
	t.Logf("ingest.Decode of %.1f MB (%d counters, %d gauges, %d latency): heap peak +%.0f MB, allocated %.0f MB",
		mb(len(body)), len(in.Batch.Counters), len(in.Batch.Gauges), len(in.Batch.Latency), mb(peak), mb(total))
	if err := in.Validate(); err != nil {
		t.Fatalf("decoded batch is invalid: %v", err)
	}
	if total > 150<<20 {
		t.Errorf("decoding a %.0f MB batch allocated %.0f MB; want under 150 MB", mb(len(body)), mb(total))
	}
}

// BenchmarkIngest30MB posts a 30 MB batch through the router into SQLite
// and reports the heap peak and the bytes allocated per request (decode,
// validation, commit, quota view). Measured: +118 MB peak and 558 MB
// allocated, against +160 MB and 708 MB with the batch decoded whole.
func BenchmarkIngest30MB(b *testing.B) {
	body := bigBatch(b, 30<<20)
	e := newEnv(b, storetest.SQLite(b))
	tok := token(b, api.RoleService, "mx1")
	var peaks, totals uint64
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		src := []byte(fmt.Sprintf(`"source":"bench-%06d"`, i))
		req := httptest.NewRequest("POST", "/v1/ingest", bytes.NewReader(bytes.Replace(body, []byte(`"source":"mx1:/var/log/mail.log"`), src, 1)))
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		b.StartTimer()
		peak, total := heapPeak(func() { e.router.ServeHTTP(rec, req) })
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %.500s", rec.Code, rec.Body.String())
		}
		peaks, totals = max(peaks, peak), totals+total
	}
	b.ReportMetric(mb(peaks), "peak-heap-MB")
	b.ReportMetric(mb(totals)/float64(b.N), "alloc-MB/op")
	b.SetBytes(int64(len(body)))
}

func mb[N int | uint64](n N) float64 { return float64(n) / (1 << 20) }
