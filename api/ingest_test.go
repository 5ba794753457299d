package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

type ingestResult struct {
	Status string `json:"status"`
	Seq    int64  `json:"seq"`
	Offset int64  `json:"offset"`
}

func batch(source string, seq, from, to, outBytes int64) map[string]any {
	b := map[string]any{"source": source, "seq": seq, "from_offset": from, "to_offset": to,
		"position": []byte(`{"off":1}`), "state": []byte("open")}
	if outBytes > 0 {
		b["counters"] = []map[string]any{{"mailbox": "alice@acme.example", "metric": "out_bytes", "hour": t0.Truncate(time.Hour), "value": outBytes}}
		b["gauges"] = []map[string]any{{"mailbox": "alice@acme.example", "folder": "", "metric": "storage_bytes",
			"hour": t0.Truncate(time.Hour), "last": 5000 + outBytes, "max": 5000 + outBytes, "observed_at": t0}}
		b["latency"] = []map[string]any{{"hour": t0.Truncate(time.Hour), "direction": "outbound", "domain": "", "bucket": 10, "count": 1}}
	}
	return b
}

func outBytes(t *testing.T, s *store.Store) int64 {
	t.Helper()
	tot, err := s.Totals(context.Background(), metering.UsageQuery{From: t0.Add(-24 * time.Hour), To: t0.Add(24 * time.Hour), Mailboxes: []string{"alice@acme.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tot) == 0 {
		return 0
	}
	return tot[0].Values[metering.OutBytes]
}

func TestIngest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		svc := token(t, api.RoleService, "mx1")
		post := func(b map[string]any) *httptest.ResponseRecorder { return e.do("POST", "/v1/ingest", svc, b) }
		expect := func(t *testing.T, rec *httptest.ResponseRecorder, status string, seq, offset int64) {
			t.Helper()
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
			if r := decode[ingestResult](t, rec); r.Status != status || r.Seq != seq || r.Offset != offset {
				t.Errorf("result %+v, want %s seq %d offset %d", r, status, seq, offset)
			}
		}
		const src = "mx1-mail.log"
		t.Run("unknown source must start at 0", func(t *testing.T) {
			problem(t, post(batch(src, 1, 5, 100, 10)), http.StatusConflict, "conflict", "from_offset")
		})
		t.Run("first batch", func(t *testing.T) { expect(t, post(batch(src, 1, 0, 100, 10)), "applied", 1, 100) })
		t.Run("duplicate batch counted once", func(t *testing.T) {
			expect(t, post(batch(src, 1, 0, 100, 10)), "duplicate", 1, 100)
			if n := outBytes(t, s); n != 10 {
				t.Errorf("out_bytes = %d, want 10", n)
			}
		})
		t.Run("next batch", func(t *testing.T) { expect(t, post(batch(src, 2, 100, 200, 5)), "applied", 2, 200) })
		t.Run("out of order (gap)", func(t *testing.T) {
			problem(t, post(batch(src, 4, 300, 400, 1)), http.StatusConflict, "conflict", "from_offset")
		})
		t.Run("overlap", func(t *testing.T) {
			problem(t, post(batch(src, 3, 150, 250, 1)), http.StatusConflict, "conflict", "from_offset")
		})
		t.Run("old duplicate", func(t *testing.T) {
			expect(t, post(batch(src, 1, 0, 100, 10)), "duplicate", 2, 200)
			expect(t, post(batch(src, 0, 0, 100, 10)), "duplicate", 2, 200) // the range is the key, seq optional
		})
		t.Run("old range that was never a batch", func(t *testing.T) {
			problem(t, post(batch(src, 0, 0, 50, 10)), http.StatusConflict, "conflict", "from_offset")
		})
		t.Run("empty range carries state; its replay is a duplicate", func(t *testing.T) {
			expect(t, post(batch(src, 3, 200, 200, 0)), "applied", 3, 200)
			expect(t, post(batch(src, 3, 200, 200, 0)), "duplicate", 3, 200)
			expect(t, post(batch(src, 4, 200, 200, 0)), "applied", 4, 200)
		})
		t.Run("concurrent replays apply once", func(t *testing.T) {
			var wg sync.WaitGroup
			statuses := make(chan string, 6)
			for range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rec := post(batch(src, 5, 200, 300, 100))
					statuses <- decode[ingestResult](t, rec).Status
				}()
			}
			wg.Wait()
			close(statuses)
			applied := 0
			for st := range statuses {
				if st == "applied" {
					applied++
				} else if st != "duplicate" {
					t.Errorf("status %q", st)
				}
			}
			if applied != 1 {
				t.Errorf("%d concurrent replays applied, want 1", applied)
			}
			if n := outBytes(t, s); n != 115 {
				t.Errorf("out_bytes = %d, want 115", n)
			}
		})
		t.Run("checkpoint", func(t *testing.T) {
			rec := e.do("GET", "/v1/ingest/sources/"+src, svc, nil)
			cp := decode[struct {
				Seq      int64  `json:"seq"`
				Offset   int64  `json:"offset"`
				Position []byte `json:"position"`
			}](t, rec)
			if cp.Seq != 5 || cp.Offset != 300 || string(cp.Position) != `{"off":1}` {
				t.Errorf("checkpoint %+v", cp)
			}
		})
		t.Run("quota view sees ingested usage", func(t *testing.T) {
			rec := e.do("GET", "/v1/mailboxes/alice@acme.example/quota", svc, nil)
			q := decode[struct {
				Storage struct {
					UsedBytes int64 `json:"used_bytes"`
				} `json:"storage"`
				Outbound struct {
					UsedBytes int64 `json:"used_bytes"`
				} `json:"outbound"`
			}](t, rec)
			if q.Outbound.UsedBytes != 115 || q.Storage.UsedBytes != 5100 {
				t.Errorf("quota %s", rec.Body.String())
			}
		})
		t.Run("invalid batches", func(t *testing.T) {
			problem(t, post(batch("", 1, 0, 1, 0)), 400, "invalid", "source")
			problem(t, post(batch("x", 1, 10, 5, 0)), 400, "invalid", "to_offset")
			problem(t, post(batch("x", 1, -1, 5, 0)), 400, "invalid", "from_offset")
			b := batch("x", 1, 0, 5, 1)
			b["counters"] = []map[string]any{{"mailbox": "a@b.example", "metric": "storage_bytes", "hour": t0, "value": 1}}
			problem(t, post(b), 400, "invalid", "counters[0].metric")
			b = batch("x", 1, 0, 5, 0)
			b["surprise"] = true
			problem(t, post(b), 400, "invalid", "surprise")
		})
	})
}
