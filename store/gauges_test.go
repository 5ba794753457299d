package store_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// The SQL upserts merge gauges by metering's rule (GaugeDelta.Merge): the
// stored last is the newest observation's, the later-written on a tie,
// the stored max the largest; storage_current keeps the newest
// mailbox-total reading across hours the same way. Random batches with
// many ties, on both databases, against metering's fold of the same
// deltas in the same order.
func TestGaugeMergeFollowsMetering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rnd := rand.New(rand.NewPCG(11, 12))
		hours := []time.Time{t0, t0.Add(time.Hour)}
		type key struct {
			hour   int64
			folder string
		}
		want := map[key]metering.GaugeDelta{}
		var newest metering.GaugeDelta // of the mailbox totals, all hours
		for i := range 60 {
			var b metering.Batch
			for _, h := range hours {
				for _, folder := range []string{"", "INBOX"} {
					last := rnd.Int64N(1000)
					g := metering.GaugeDelta{Mailbox: "a@x.example", Folder: folder, Metric: metering.StorageBytes, Hour: h,
						Last: last, Max: last + rnd.Int64N(50), ObservedAt: h.Add(time.Duration(rnd.IntN(3)) * time.Minute)}
					b.Gauges = append(b.Gauges, g)
					k := key{h.Unix(), folder}
					if cur, ok := want[k]; ok {
						g = cur.Merge(g)
					}
					want[k] = g
				}
			}
			rnd.Shuffle(len(b.Gauges), func(i, j int) { b.Gauges[i], b.Gauges[j] = b.Gauges[j], b.Gauges[i] })
			for j, g := range b.Gauges {
				if g.Folder == "" && (i == 0 && j == 0 || metering.Supersedes(g.ObservedAt, newest.ObservedAt)) {
					newest = g
				}
			}
			if err := s.Commit(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Gauges(ctx, metering.UsageQuery{From: t0, To: t0.Add(2 * time.Hour)})
		if err != nil || len(got) != len(want) {
			t.Fatalf("Gauges = %d points, %v; want %d", len(got), err, len(want))
		}
		for _, p := range got {
			w := want[key{p.Hour.Unix(), p.Folder}]
			if p.Last != w.Last || p.Max != w.Max {
				t.Errorf("hour %s folder %q: last %d max %d, metering's merge gives %d and %d", p.Hour, p.Folder, p.Last, p.Max, w.Last, w.Max)
			}
		}
		us, err := s.CurrentUsage(ctx, t0)
		if err != nil || len(us) != 1 || us[0].StorageBytes != newest.Last || !us[0].StorageHour.Equal(newest.Hour) {
			t.Errorf("current storage = %+v, %v; metering's merge gives %d of the hour %s", us, err, newest.Last, newest.Hour)
		}
	})
}
