package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

func TestSeriesBreakdownAndCurrentUsage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		day := t0.Truncate(24 * time.Hour)
		b := metering.Batch{
			Counters: []metering.CounterDelta{
				{Mailbox: "a@x.example", Metric: metering.OutBytes, Hour: day.Add(-time.Hour), Value: 1000}, // yesterday
				{Mailbox: "a@x.example", Metric: metering.OutBytes, Hour: day.Add(time.Hour), Value: 10},
				{Mailbox: "a@x.example", Metric: metering.OutRecipients, Hour: day.Add(2 * time.Hour), Value: 3},
				{Mailbox: "b@x.example", Metric: metering.InBytes, Hour: day.Add(time.Hour), Value: 7},
				{Mailbox: "c@x_y.example", Metric: metering.InBytes, Hour: day.Add(time.Hour), Value: 9},
				{Mailbox: "d@xzy.example", Metric: metering.InBytes, Hour: day.Add(time.Hour), Value: 11},
			},
			Gauges: []metering.GaugeDelta{
				{Mailbox: "a@x.example", Metric: metering.StorageBytes, Hour: day.Add(-48 * time.Hour), Last: 1, Max: 1},
				{Mailbox: "a@x.example", Metric: metering.StorageBytes, Hour: day.Add(time.Hour), Last: 500, Max: 600},
				{Mailbox: "a@x.example", Folder: "Sent", Metric: metering.StorageBytes, Hour: day.Add(3 * time.Hour), Last: 5, Max: 5},
				{Mailbox: "a@x.example", Metric: metering.StorageMessages, Hour: day.Add(time.Hour), Last: 4, Max: 4},
			},
		}
		if err := s.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
		hosted(t, s, "a@x.example", "b@x.example", "c@x_y.example", "d@xzy.example")
		hc, err := s.HourlyCounters(ctx, "a@x.example", day, day.Add(24*time.Hour))
		if err != nil || len(hc) != 2 || hc[0].Value != 10 || hc[1].Metric != metering.OutRecipients {
			t.Errorf("HourlyCounters = %+v, %v", hc, err)
		}
		bd, err := s.Breakdown(ctx, metering.BreakdownQuery{From: day, To: day.Add(24 * time.Hour), Domains: []string{"x.example", "x_y.example"}})
		if err != nil || len(bd) != 3 || bd[2].Mailbox != "c@x_y.example" {
			t.Errorf("Breakdown (the _ of x_y.example must not match xzy) = %+v, %v", bd, err)
		}
		if len(bd) > 0 && (bd[0].Values[metering.StorageBytes] != 500 || bd[0].Values[metering.StorageMessages] != 4 || bd[0].Values[metering.OutBytes] != 10) {
			t.Errorf("Breakdown of a@x.example = %+v, want latest storage 500/4 and out_bytes 10", bd[0].Values)
		}
		us, err := s.CurrentUsage(ctx, day)
		if err != nil || len(us) != 1 {
			t.Fatalf("CurrentUsage = %+v, %v", us, err)
		}
		want := quota.Usage{Mailbox: "a@x.example", StorageBytes: 500, StorageMessages: 4, StorageHour: day.Add(time.Hour), Day: day, OutBytes: 10, OutRecipients: 3,
			Month: day, MonthOutBytes: 10, MonthOutRecipients: 3} // day is the 1st
		if diff := cmp.Diff(want, us[0]); diff != "" {
			t.Errorf("CurrentUsage (-want +got):\n%s", diff)
		}
	})
}
