package metering_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// A batch holding one record the database refuses (its sum would pass the
// int64 range of the stored total) is bisected: every other record commits
// with the checkpoint, and the refused one is kept as a dead letter.
func TestFlushBisectsAPoisonRecordIntoDeadLetters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		h := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
		seed := metering.Batch{Counters: []metering.CounterDelta{{Mailbox: "bob@acme.example", Metric: metering.InBytes, Hour: h, Value: math.MaxInt64 - 5}}}
		if err := s.Commit(ctx, seed); err != nil {
			t.Fatal(err)
		}
		var committed []metering.Batch
		var dead []metering.DeadLetter
		rec := metering.NewRecorder(s, func(b metering.Batch) { committed = append(committed, b) })
		rec.SetHooks(metering.RecorderHooks{DeadLetters: func(ds []metering.DeadLetter) { dead = append(dead, ds...) }})
		at := h.Add(time.Minute)
		for _, e := range []metering.Event{
			{Time: at, Mailbox: "bob@acme.example", Metric: metering.InBytes, Value: 10}, // the poison
			{Time: at, Mailbox: "bob@acme.example", Metric: metering.InMessages, Value: 1},
			{Time: at, Mailbox: "carol@acme.example", Metric: metering.InBytes, Value: 100},
			{Time: at.Add(time.Hour), Mailbox: "dave@acme.example", Metric: metering.InBytes, Value: 7},
			{Time: at, Mailbox: "erin@acme.example", Metric: metering.OutBytes, Value: 3},
		} {
			rec.Count(e)
		}
		rec.Latency(metering.LatencySample{Time: at, Direction: metering.Inbound, Domain: "acme.example", Delay: time.Second})
		cp := &metering.Checkpoint{Source: "mx1:/var/log/mail.log", Seq: 1, Offset: 4096}
		if err := rec.Flush(ctx, cp); err != nil {
			t.Fatalf("flush with a poison record: %v", err)
		}
		if got, err := s.Checkpoint(ctx, cp.Source); err != nil || got.Seq != 1 || got.Offset != 4096 {
			t.Errorf("checkpoint = %+v, %v; want seq 1 at 4096", got, err)
		}
		want := map[string]map[metering.Metric]int64{
			"bob@acme.example":   {metering.InBytes: math.MaxInt64 - 5, metering.InMessages: 1},
			"carol@acme.example": {metering.InBytes: 100},
			"dave@acme.example":  {metering.InBytes: 7},
			"erin@acme.example":  {metering.OutBytes: 3},
		}
		tot, err := s.Totals(ctx, metering.UsageQuery{From: h, To: h.Add(3 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tot {
			for metric, v := range m.Values {
				if v != want[m.Mailbox][metric] {
					t.Errorf("%s %s = %d, want %d", m.Mailbox, metric, v, want[m.Mailbox][metric])
				}
			}
		}
		if len(tot) != len(want) {
			t.Errorf("%d mailboxes with usage, want %d", len(tot), len(want))
		}
		lat, err := s.Latency(ctx, metering.LatencyQuery{From: h, To: h.Add(time.Hour), Direction: metering.Inbound})
		if err != nil || lat[metering.Inbound] == nil || lat[metering.Inbound].Total != 1 {
			t.Errorf("latency = %v, %v; want the one sample", lat, err)
		}
		if len(committed) != 1 || len(committed[0].Counters) != 4 || len(committed[0].Latency) != 2 {
			t.Errorf("onCommit saw %+v, want one batch of the 4 counters and 2 latency buckets that were stored", committed)
		}
		if rec.Pending() != 0 {
			t.Errorf("%d events still pending after the flush", rec.Pending())
		}
		if len(dead) != 1 {
			t.Fatalf("the DeadLetters hook saw %+v, want the poison record", dead)
		}
		letters, err := s.DeadLetters(ctx, true)
		if err != nil || len(letters) != 1 {
			t.Fatalf("pending dead letters = %+v, %v; want one", letters, err)
		}
		d := letters[0]
		poison := metering.CounterDelta{Mailbox: "bob@acme.example", Metric: metering.InBytes, Hour: h, Value: 10}
		if len(d.Record.Counters) != 1 || d.Record.Counters[0] != poison || d.Record.Records() != 1 {
			t.Errorf("dead letter record = %+v, want %+v", d.Record, poison)
		}
		if d.Source != cp.Source || d.ID == 0 || d.CreatedAt.IsZero() || !d.ReplayedAt.IsZero() {
			t.Errorf("dead letter = %+v", d)
		}
		if !strings.Contains(d.Error, "int64 range") && !strings.Contains(d.Error, "out of range") {
			t.Errorf("dead letter error %q does not say the sum is out of range", d.Error)
		}
		if n, err := s.PendingDeadLetters(ctx); n != 1 || err != nil {
			t.Errorf("PendingDeadLetters = %d, %v; want 1", n, err)
		}
	})
}

// BenchmarkFlushWithAPoisonRecord measures a flush of 10,000 counter rows
// of which one is refused (bisected into a dead letter) next to the same
// flush without it, on both databases.
func BenchmarkFlushWithAPoisonRecord(b *testing.B) {
	const rows = 10000
	for _, db := range []struct {
		name string
		open func(testing.TB) *store.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		for _, poison := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/poison=%v", db.name, poison), func(b *testing.B) {
				s := db.open(b)
				ctx := context.Background()
				h := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
				if err := s.Commit(ctx, metering.Batch{Counters: []metering.CounterDelta{{Mailbox: "poison@x.example", Metric: metering.InBytes, Hour: h, Value: math.MaxInt64}}}); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for i := range b.N {
					rec := metering.NewRecorder(s, nil)
					for j := range rows {
						rec.Count(metering.Event{Time: h.Add(time.Duration(i) * time.Hour), Mailbox: fmt.Sprintf("m%05d@x.example", j), Metric: metering.InBytes, Value: 1})
					}
					if poison {
						rec.Count(metering.Event{Time: h, Mailbox: "poison@x.example", Metric: metering.InBytes, Value: 1})
					}
					if err := rec.Flush(ctx, nil); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/flush")
			})
		}
	}
}
