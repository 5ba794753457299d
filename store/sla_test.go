package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/sla"
	"github.com/mailmeter/mailmeter/sla/slatest"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// The SQL stores keep to the sla.Store contract; checks arrive in
// committed batches, as the probe runner sends them.
func TestSLAStoreContract(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		add := func(cs ...sla.Check) {
			b := metering.Batch{}
			for _, c := range cs {
				b.Checks = append(b.Checks, metering.ProbeCheck{Probe: c.Target, At: c.At, Up: c.Up, Latency: 3 * time.Millisecond})
			}
			if err := s.Commit(context.Background(), b); err != nil {
				t.Fatal(err)
			}
		}
		slatest.Contract(t, s, add)
	})
}

// A batch committed twice (a retry after an answer was lost) stores each
// check once; a failed check keeps its reason, cut to a bounded length.
func TestProbeChecksStoredOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		at := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
		long := make([]byte, 1000)
		for i := range long {
			long[i] = 'e'
		}
		b := metering.Batch{Checks: []metering.ProbeCheck{{Probe: "mx1", At: at, Up: false, Error: string(long)}, {Probe: "mx1", At: at.Add(time.Minute), Up: true}}}
		for range 2 {
			if err := s.Commit(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Checks(ctx, []string{"mx1"}, at, at.Add(time.Hour))
		if err != nil || len(got) != 2 || got[0].Up || !got[1].Up {
			t.Errorf("checks %+v, %v", got, err)
		}
	})
}
