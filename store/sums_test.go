package store

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// Every stored sum (counters, latency buckets, probe results) refuses a
// delta that would take it past the int64 range, on both databases, and
// keeps the stored total as it was: never a wrapped or float value.
func TestSumsPastInt64AreRefused(t *testing.T) {
	h := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	batches := map[string]func(v int64) metering.Batch{
		"counter": func(v int64) metering.Batch {
			return metering.Batch{Counters: []metering.CounterDelta{{Mailbox: "a@x.example", Metric: metering.OutRecipients, Hour: h, Value: v}}}
		},
		"latency": func(v int64) metering.Batch {
			return metering.Batch{Latency: []metering.LatencyDelta{{Hour: h, Direction: metering.Inbound, Domain: "x.example", Bucket: 3, Count: v}}}
		},
		"availability": func(v int64) metering.Batch {
			return metering.Batch{Availability: []metering.AvailabilityDelta{{Probe: "smtp", Hour: h, Attempts: v, Successes: v}}}
		},
	}
	stored := func(t *testing.T, s *Store, what string) int64 {
		ctx := context.Background()
		switch what {
		case "counter":
			tot, err := s.Totals(ctx, metering.UsageQuery{From: h, To: h.Add(time.Hour)})
			if err != nil || len(tot) != 1 {
				t.Fatalf("totals %+v, %v", tot, err)
			}
			return tot[0].Values[metering.OutRecipients]
		case "latency":
			lat, err := s.Latency(ctx, metering.LatencyQuery{From: h, To: h.Add(time.Hour), Domain: "x.example"})
			if err != nil || lat[metering.Inbound] == nil {
				t.Fatalf("latency %+v, %v", lat, err)
			}
			return lat[metering.Inbound].Total
		}
		av, err := s.Availability(ctx, h, h.Add(time.Hour))
		if err != nil || len(av) != 1 {
			t.Fatalf("availability %+v, %v", av, err)
		}
		return av[0].Attempts
	}
	for _, db := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "m.db") }},
		{"postgres", postgresURL},
	} {
		t.Run(db.name, func(t *testing.T) {
			s := openMigrated(t, db.dsn(t))
			for what, batch := range batches {
				t.Run(what, func(t *testing.T) {
					ctx := context.Background()
					if err := s.Commit(ctx, batch(math.MaxInt64-1)); err != nil {
						t.Fatal(err)
					}
					err := s.Commit(ctx, batch(2))
					if metering.KindOf(err) != metering.Refused {
						t.Errorf("a sum past int64: %v, want refused", err)
					}
					if got := stored(t, s, what); got != math.MaxInt64-1 {
						t.Errorf("stored %d, want %d", got, int64(math.MaxInt64-1))
					}
					if err := s.Commit(ctx, batch(1)); err != nil {
						t.Errorf("a sum reaching exactly MaxInt64: %v", err)
					}
				})
			}
		})
	}
}
