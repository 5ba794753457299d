package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

func TestCommitSumsAndCheckpointFence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rec := metering.NewRecorder(s, nil)
		h := t0.Add(30 * time.Minute)
		rec.Count(metering.Event{Time: h, Mailbox: "a@x.example", Metric: metering.InBytes, Value: 100})
		rec.Count(metering.Event{Time: h.Add(time.Minute), Mailbox: "a@x.example", Metric: metering.InBytes, Value: 50})
		rec.Count(metering.Event{Time: h.Add(2 * time.Hour), Mailbox: "a@x.example", Metric: metering.InMessages, Value: 1})
		rec.Latency(metering.LatencySample{Time: h, Direction: metering.Inbound, Domain: "x.example", Delay: 1500 * time.Millisecond})
		cp := &metering.Checkpoint{Source: "mx1:/var/log/mail.log", Seq: 1, Position: []byte(`{"off":10}`), State: []byte("s1")}
		if err := rec.Flush(ctx, cp); err != nil {
			t.Fatal(err)
		}
		// A replay of batch 1 is refused and changes nothing.
		err := s.Commit(ctx, metering.Batch{Checkpoint: cp, Counters: []metering.CounterDelta{{Mailbox: "a@x.example", Metric: metering.InBytes, Hour: t0, Value: 100}}})
		if metering.KindOf(err) != metering.Conflict {
			t.Fatalf("replayed batch: %v, want conflict", err)
		}
		// A gap is refused too.
		err = s.Commit(ctx, metering.Batch{Checkpoint: &metering.Checkpoint{Source: cp.Source, Seq: 3}})
		if metering.KindOf(err) != metering.Conflict {
			t.Fatalf("gap: %v, want conflict", err)
		}
		rec.Count(metering.Event{Time: h, Mailbox: "a@x.example", Metric: metering.InBytes, Value: 1})
		if err := rec.Flush(ctx, &metering.Checkpoint{Source: cp.Source, Seq: 2, Offset: 20, Position: []byte(`{"off":20}`)}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Checkpoint(ctx, cp.Source)
		if err != nil || got.Seq != 2 || got.Offset != 20 || string(got.Position) != `{"off":20}` {
			t.Fatalf("checkpoint = %+v, %v", got, err)
		}
		tot, err := s.Totals(ctx, metering.UsageQuery{From: t0, To: t0.Add(24 * time.Hour)})
		if err != nil || len(tot) != 1 || tot[0].Values[metering.InBytes] != 151 || tot[0].Values[metering.InMessages] != 1 {
			t.Fatalf("totals = %+v, %v", tot, err)
		}
		tot, _ = s.Totals(ctx, metering.UsageQuery{From: t0, To: t0.Add(time.Hour)})
		if tot[0].Values[metering.InMessages] != 0 {
			t.Fatalf("range excludes later hour: %+v", tot)
		}
		lat, err := s.Latency(ctx, metering.LatencyQuery{From: t0, To: t0.Add(time.Hour), Domain: "x.example"})
		if err != nil || lat[metering.Inbound] == nil || lat[metering.Inbound].Total != 1 {
			t.Fatalf("latency = %+v, %v", lat, err)
		}
		if q := lat[metering.Inbound].Quantile(0.5); q < 1500*time.Millisecond || q > 1800*time.Millisecond {
			t.Errorf("p50 = %v, want the 1.5 s bucket", q)
		}
		if _, err := s.Checkpoint(ctx, "nope"); metering.KindOf(err) != metering.NotFound {
			t.Errorf("missing checkpoint: %v", err)
		}
	})
}

func TestGaugesKeepLastAndMax(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rec := metering.NewRecorder(s, nil)
		obs := func(min int, bytes int64) {
			rec.Storage(metering.StorageSample{Time: t0.Add(time.Duration(min) * time.Minute), Mailbox: "a@x.example", Bytes: bytes, Messages: bytes / 10})
			if err := rec.Flush(ctx, nil); err != nil {
				t.Fatal(err)
			}
		}
		obs(10, 1000)
		obs(20, 5000)
		obs(30, 2000)
		obs(5, 9000) // late, older observation: raises max, not last
		g, err := s.Gauges(ctx, metering.UsageQuery{From: t0, To: t0.Add(time.Hour), Mailboxes: []string{"a@x.example"}})
		if err != nil || len(g) != 2 {
			t.Fatalf("gauges = %+v, %v", g, err)
		}
		for _, p := range g {
			if p.Metric == metering.StorageBytes && (p.Last != 2000 || p.Max != 9000) {
				t.Errorf("storage_bytes last %d max %d, want 2000 and 9000", p.Last, p.Max)
			}
		}
	})
}

// A failed flush keeps the sums; the retry commits them exactly once.
func TestRecorderRetryAfterFailure(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	rec := metering.NewRecorder(s, nil)
	rec.Count(metering.Event{Time: t0, Mailbox: "a@x.example", Metric: metering.OutBytes, Value: 7})
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := rec.Flush(cancelled, &metering.Checkpoint{Source: "s", Seq: 1}); err == nil {
		t.Fatal("flush on a cancelled context succeeded")
	}
	if err := rec.Flush(ctx, &metering.Checkpoint{Source: "s", Seq: 1}); err != nil {
		t.Fatal(err)
	}
	tot, _ := s.Totals(ctx, metering.UsageQuery{From: t0, To: t0.Add(time.Hour)})
	if len(tot) != 1 || tot[0].Values[metering.OutBytes] != 7 {
		t.Fatalf("totals = %+v, want 7 out_bytes once", tot)
	}
}

// A batch's stream checkpoint advances with it, fenced the same way: a
// stale stream seq refuses the whole batch, the source's checkpoint and
// usage included.
func TestCommitAdvancesTheStreamCheckpointInTheSameTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		usage := []metering.CounterDelta{{Mailbox: "a@x.example", Metric: metering.InBytes, Hour: t0, Value: 100}}
		file := metering.Checkpoint{Source: "file:mx1:aa", Seq: 1, Offset: 10}
		stream := metering.Checkpoint{Source: "stream:mx1:mail.log", Seq: 1, State: []byte("open")}
		if err := s.Commit(ctx, metering.Batch{Checkpoint: &file, Stream: &stream, Counters: usage}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Checkpoint(ctx, stream.Source)
		if err != nil || got.Seq != 1 || string(got.State) != "open" {
			t.Fatalf("stream checkpoint %+v, %v", got, err)
		}
		other := metering.Checkpoint{Source: "file:mx1:bb", Seq: 1, Offset: 20}
		err = s.Commit(ctx, metering.Batch{Checkpoint: &other, Stream: &stream, Counters: usage}) // stream seq 1 again
		if metering.KindOf(err) != metering.Conflict {
			t.Fatalf("stale stream seq: %v, want conflict", err)
		}
		if _, err := s.Checkpoint(ctx, other.Source); metering.KindOf(err) != metering.NotFound {
			t.Errorf("the refused batch's checkpoint was stored: %v", err)
		}
		totals, err := s.Totals(ctx, metering.UsageQuery{From: t0, To: t0.Add(time.Hour)})
		if err != nil || len(totals) != 1 || totals[0].Values[metering.InBytes] != 100 {
			t.Errorf("totals %+v, %v; want the first batch's 100 bytes only", totals, err)
		}
		tx, err := s.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tx.Add(ctx, metering.Batch{Counters: usage})
		next := stream
		next.Seq = 2
		if err := tx.Commit(ctx, &other, &next); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Checkpoint(ctx, stream.Source); got.Seq != 2 {
			t.Errorf("stream seq after a streamed commit = %d, want 2", got.Seq)
		}
	})
}
