package metering_test

import (
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// Day buckets in a viewer's zone begin at its midnight, across a DST change
// (Europe/Berlin's 25-hour 25 October 2026).
func TestBucketTrafficInZone(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	from := time.Date(2026, 10, 24, 0, 0, 0, 0, berlin)
	b, err := metering.BucketsInput{From: from, To: from.AddDate(0, 0, 3), Granularity: "day", Timezone: "Europe/Berlin"}.Validate()
	if err != nil {
		t.Fatal(err)
	}
	hours := []metering.CounterDelta{
		{Metric: metering.InBytes, Hour: time.Date(2026, 10, 24, 21, 0, 0, 0, time.UTC), Value: 1}, // 23:00 Berlin: the 24th
		{Metric: metering.InBytes, Hour: time.Date(2026, 10, 24, 22, 0, 0, 0, time.UTC), Value: 2}, // 00:00 Berlin: the 25th
		{Metric: metering.InBytes, Hour: time.Date(2026, 10, 25, 22, 0, 0, 0, time.UTC), Value: 4}, // 23:00 CET: still the 25th
		{Metric: metering.RejectedIn, Hour: time.Date(2026, 10, 25, 23, 0, 0, 0, time.UTC), Value: 8},
	}
	pts := metering.BucketTraffic(b, hours)
	if len(pts) != 3 {
		t.Fatalf("%d points, want 3", len(pts))
	}
	want := []struct {
		start     time.Time
		in, rejIn int64
	}{
		{time.Date(2026, 10, 24, 0, 0, 0, 0, berlin), 1, 0},
		{time.Date(2026, 10, 25, 0, 0, 0, 0, berlin), 6, 0},
		{time.Date(2026, 10, 26, 0, 0, 0, 0, berlin), 0, 8},
	}
	for i, w := range want {
		p := pts[i]
		if !p.Start.Equal(w.start) || p.Counters[metering.InBytes] != w.in || p.Counters[metering.RejectedIn] != w.rejIn {
			t.Errorf("point %d = %v %v, want %v in %d rejected %d", i, p.Start, p.Counters, w.start, w.in, w.rejIn)
		}
		if len(p.Counters) != len(metering.CounterMetrics) {
			t.Errorf("point %d has %d counters, want every one", i, len(p.Counters))
		}
	}
}

func TestBucketLatency(t *testing.T) {
	h0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	b, err := metering.BucketsInput{From: h0, To: h0.Add(3 * time.Hour)}.Validate()
	if err != nil {
		t.Fatal(err)
	}
	starts, hs := metering.BucketLatency(b, []metering.LatencyDelta{
		{Hour: h0, Direction: metering.Inbound, Bucket: 1, Count: 2},
		{Hour: h0, Direction: metering.Inbound, Bucket: 40, Count: 2},
		{Hour: h0.Add(2 * time.Hour), Direction: metering.Outbound, Bucket: 3, Count: 1},
		{Hour: h0.Add(5 * time.Hour), Direction: metering.Outbound, Bucket: 3, Count: 1}, // outside
	})
	if len(starts) != 3 || hs[0][metering.Inbound].Total != 4 || len(hs[1]) != 0 || hs[2][metering.Outbound].Total != 1 {
		t.Errorf("BucketLatency = %v %v", starts, hs)
	}
}

func TestBucketsInputValidate(t *testing.T) {
	h0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in    metering.BucketsInput
		field string
	}{
		{metering.BucketsInput{From: h0, To: h0.Add(time.Hour), Granularity: "week"}, "granularity"},
		{metering.BucketsInput{From: h0, To: h0.Add(time.Hour), Timezone: "Mars/Base"}, "tz"},
		{metering.BucketsInput{From: h0, To: h0}, "to"},
		{metering.BucketsInput{From: h0.AddDate(-2, 0, 0), To: h0}, "from"},
	} {
		if _, err := tt.in.Validate(); metering.FieldOf(err) != tt.field {
			t.Errorf("%+v: err %v, want field %s", tt.in, err, tt.field)
		}
	}
}
