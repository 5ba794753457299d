package metering_test

import (
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering"
)

func TestCheckRange(t *testing.T) {
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		to    time.Time
		g     metering.Granularity
		field string
	}{
		{from.Add(400 * 24 * time.Hour), metering.ByHour, ""},
		{from.Add(401 * 24 * time.Hour), metering.ByHour, "from"},
		{from.Add(401 * 24 * time.Hour), metering.ByDay, ""},
		{from, metering.ByDay, "to"},
		{from.Add(-time.Hour), metering.ByMonth, "to"},
	}
	for _, tt := range tests {
		if got := metering.FieldOf(metering.CheckRange(from, tt.to, tt.g)); got != tt.field {
			t.Errorf("CheckRange(%s, %s, %s): field %q, want %q", from, tt.to, tt.g, got, tt.field)
		}
	}
}

// A day bucket in a zone with daylight saving time spans 25 hours on the
// day the clocks go back.
func TestBucketSeriesDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		testenv.Skip(t, "the IANA time zone database", "apt-get install tzdata: "+err.Error())
	}
	from := time.Date(2026, 10, 25, 0, 0, 0, 0, berlin)
	q := metering.SeriesQuery{Mailbox: "a@x.example", From: from, To: from.AddDate(0, 0, 2), Granularity: metering.ByDay, Location: berlin}
	var cs []metering.CounterDelta
	for h := from.UTC(); h.Before(q.To); h = h.Add(time.Hour) {
		cs = append(cs, metering.CounterDelta{Mailbox: "a@x.example", Metric: metering.InMessages, Hour: h, Value: 1})
	}
	pts := metering.BucketSeries(q, cs, nil)
	if len(pts) != 2 || pts[0].Counters[metering.InMessages] != 25 || pts[1].Counters[metering.InMessages] != 24 {
		t.Errorf("DST days: %+v", pts)
	}
	if !pts[1].Start.Equal(time.Date(2026, 10, 25, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("second day starts %s", pts[1].Start)
	}
}
