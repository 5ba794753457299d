package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// Traffic sums every address's counters per hour, per scope; latency rows
// come back per hour, domain and direction.
func TestTrafficAndLatencyHours(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		h0 := t0.Truncate(time.Hour)
		if err := s.Commit(ctx, metering.Batch{
			Counters: []metering.CounterDelta{
				{Mailbox: "a@x.example", Metric: metering.InBytes, Hour: h0, Value: 100},
				{Mailbox: "b@x.example", Metric: metering.InBytes, Hour: h0, Value: 20},
				{Mailbox: "b@x.example", Metric: metering.RejectedIn, Hour: h0, Value: 1},
				{Mailbox: "stranger@x.example", Metric: metering.RejectedIn, Hour: h0, Value: 5},
				{Mailbox: "a@x.example", Metric: metering.OutMessages, Hour: h0.Add(2 * time.Hour), Value: 3},
				{Mailbox: "a@x.example", Metric: metering.OutMessages, Hour: h0.Add(5 * time.Hour), Value: 9}, // outside
			},
			Latency: []metering.LatencyDelta{
				{Hour: h0, Direction: metering.Inbound, Bucket: 4, Count: 2},
				{Hour: h0, Direction: metering.Inbound, Domain: "x.example", Bucket: 4, Count: 2},
				{Hour: h0.Add(time.Hour), Direction: metering.Outbound, Bucket: 30, Count: 1},
				{Hour: h0.Add(time.Hour), Direction: metering.Inbound, Bucket: 8, Count: 7},
			},
		}); err != nil {
			t.Fatal(err)
		}
		hosted(t, s, "a@x.example", "b@x.example")
		to := h0.Add(5 * time.Hour)
		all, err := s.TrafficHours(ctx, h0, to, metering.AnyAddress)
		if err != nil {
			t.Fatal(err)
		}
		want := []metering.CounterDelta{
			{Metric: metering.InBytes, Hour: h0, Value: 120},
			{Metric: metering.RejectedIn, Hour: h0, Value: 6},
			{Metric: metering.OutMessages, Hour: h0.Add(2 * time.Hour), Value: 3},
		}
		if diff := cmp.Diff(want, all); diff != "" {
			t.Errorf("TrafficHours(any) (-want +got):\n%s", diff)
		}
		hostedOnly, err := s.TrafficHours(ctx, h0, to, metering.Hosted)
		if err != nil || len(hostedOnly) != 3 || hostedOnly[1].Value != 1 {
			t.Errorf("TrafficHours(hosted) = %+v, %v; want the stranger's 5 rejects left out", hostedOnly, err)
		}
		unknown, err := s.TrafficHours(ctx, h0, to, metering.Unknown)
		if err != nil || len(unknown) != 1 || unknown[0].Value != 5 {
			t.Errorf("TrafficHours(unknown) = %+v, %v; want only the stranger's 5 rejects", unknown, err)
		}
		lat, err := s.LatencyHours(ctx, metering.LatencyQuery{From: h0, To: to})
		wantLat := []metering.LatencyDelta{
			{Hour: h0, Direction: metering.Inbound, Bucket: 4, Count: 2},
			{Hour: h0.Add(time.Hour), Direction: metering.Inbound, Bucket: 8, Count: 7},
			{Hour: h0.Add(time.Hour), Direction: metering.Outbound, Bucket: 30, Count: 1},
		}
		if diff := cmp.Diff(wantLat, lat); err != nil || diff != "" {
			t.Errorf("LatencyHours (-want +got):\n%s%v", diff, err)
		}
		out, err := s.LatencyHours(ctx, metering.LatencyQuery{From: h0, To: to, Direction: metering.Outbound})
		if err != nil || len(out) != 1 || out[0].Bucket != 30 {
			t.Errorf("LatencyHours(outbound) = %+v, %v", out, err)
		}
		dom, err := s.LatencyHours(ctx, metering.LatencyQuery{From: h0, To: to, Domain: "x.example"})
		if err != nil || len(dom) != 1 || dom[0].Domain != "x.example" {
			t.Errorf("LatencyHours(x.example) = %+v, %v", dom, err)
		}
	})
}
