package api_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// A pushed batch the database refuses for one record (alice's stored
// out_bytes is a hair under the int64 limit) is applied without it: the
// rest lands with the source's checkpoint, the record becomes a dead
// letter, and the pushing collector goes on.
func TestIngestKeepsARefusedRecordAsADeadLetter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newEnv(t, s)
		hour := t0.Truncate(time.Hour)
		seed := metering.Batch{Counters: []metering.CounterDelta{{Mailbox: "alice@acme.example", Metric: metering.OutBytes, Hour: hour, Value: math.MaxInt64 - 5}}}
		if err := s.Commit(ctx, seed); err != nil {
			t.Fatal(err)
		}
		rec := e.do("POST", "/v1/ingest", token(t, api.RoleService, "mx1"), batch("mx1-mail.log", 1, 0, 100, 10))
		if rec.Code != 200 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
		if r := decode[ingestResult](t, rec); r.Status != "applied" || r.Seq != 1 || r.Offset != 100 {
			t.Errorf("result %+v, want applied seq 1 offset 100", r)
		}
		if n := outBytes(t, s); n != math.MaxInt64-5 {
			t.Errorf("out_bytes = %d, want the stored %d untouched", n, int64(math.MaxInt64-5))
		}
		gs, err := s.Gauges(ctx, metering.UsageQuery{From: hour, To: hour.Add(time.Hour)})
		if err != nil || len(gs) != 1 || gs[0].Last != 5010 {
			t.Errorf("gauges %+v, %v: want the pushed storage reading", gs, err)
		}
		ds, err := s.DeadLetters(ctx, true)
		if err != nil || len(ds) != 1 || ds[0].Source != "mx1-mail.log" || len(ds[0].Record.Counters) != 1 || ds[0].Record.Counters[0].Value != 10 {
			t.Errorf("dead letters %+v, %v: want alice's out_bytes +10", ds, err)
		}
		if cp, err := s.Checkpoint(ctx, "mx1-mail.log"); err != nil || cp.Seq != 1 {
			t.Errorf("checkpoint %+v, %v", cp, err)
		}
		if ok, err := s.Applied(ctx, "mx1-mail.log", 1, 0, 100); !ok || err != nil {
			t.Errorf("the range is not recorded as applied: %v, %v", ok, err)
		}
	})
}
