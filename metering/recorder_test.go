package metering_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

type memStore struct {
	batches []metering.Batch
	fail    bool
}

func (m *memStore) Commit(_ context.Context, b metering.Batch) error {
	if m.fail {
		return metering.Errorf(metering.Unavailable, "down")
	}
	m.batches = append(m.batches, b)
	return nil
}

func (m *memStore) Checkpoint(context.Context, string) (metering.Checkpoint, error) {
	return metering.Checkpoint{}, metering.Errorf(metering.NotFound, "none")
}

func TestRecorderSumsPerMailboxMetricHour(t *testing.T) {
	st := &memStore{}
	r := metering.NewRecorder(st, nil)
	t0 := time.Date(2026, 11, 28, 10, 15, 0, 0, time.FixedZone("CET", 3600))
	r.Count(metering.Event{Time: t0, Mailbox: "a@x", Metric: metering.InBytes, Value: 10})
	r.Count(metering.Event{Time: t0.Add(time.Minute), Mailbox: "a@x", Metric: metering.InBytes, Value: 5})
	r.Count(metering.Event{Time: t0, Mailbox: "a@x", Metric: metering.InMessages, Value: 1})
	r.Count(metering.Event{Time: t0.Add(time.Hour), Mailbox: "a@x", Metric: metering.InBytes, Value: 7})
	r.Count(metering.Event{Time: t0, Mailbox: "b@x", Metric: metering.InBytes, Value: 1})
	r.Count(metering.Event{Time: t0, Mailbox: "b@x", Metric: "custom_metric", Value: 2})
	r.Count(metering.Event{Time: t0, Mailbox: "", Metric: metering.InBytes, Value: 1})
	r.Latency(metering.LatencySample{Time: t0, Direction: metering.Inbound, Domain: "x", Delay: 2 * time.Second})
	r.Latency(metering.LatencySample{Time: t0, Direction: metering.Inbound, Domain: "x", Delay: 2 * time.Second})
	// A failed flush keeps everything; events recorded meanwhile stay too.
	st.fail = true
	if err := r.Flush(context.Background(), nil); err == nil {
		t.Fatal("flush to a failing store succeeded")
	}
	r.Count(metering.Event{Time: t0, Mailbox: "a@x", Metric: metering.InBytes, Value: 100})
	st.fail = false
	if err := r.Flush(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	b := st.batches[0]
	got := map[string]int64{}
	for _, c := range b.Counters {
		got[c.Mailbox+"/"+string(c.Metric)+"/"+c.Hour.Format("15")] += c.Value
		if c.Hour.Location() != time.UTC || c.Hour.Minute() != 0 {
			t.Errorf("hour %v not a UTC hour", c.Hour)
		}
	}
	want := map[string]int64{"a@x/in_bytes/09": 115, "a@x/in_messages/09": 1, "a@x/in_bytes/10": 7, "b@x/in_bytes/09": 1, "b@x/custom_metric/09": 2}
	if len(got) != len(want) {
		t.Errorf("counters = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d", k, got[k], v)
		}
	}
	var lat int64
	for _, l := range b.Latency {
		lat += l.Count
		if l.Bucket != metering.BucketOf(2*time.Second) {
			t.Errorf("bucket %d", l.Bucket)
		}
	}
	if lat != 4 { // two samples, service-wide and for the domain
		t.Errorf("latency counts = %d, want 4", lat)
	}
	if r.Pending() != 0 {
		t.Errorf("pending after flush = %d", r.Pending())
	}
}

func TestBucketBounds(t *testing.T) {
	for _, d := range []time.Duration{0, time.Microsecond, time.Millisecond, 1500 * time.Microsecond, time.Second, 59 * time.Second, time.Hour, 30 * 24 * time.Hour} {
		b := metering.BucketOf(d)
		if metering.BucketUpper(b) < d || (b > 0 && metering.BucketUpper(b-1) >= d) {
			t.Errorf("BucketOf(%v) = %d: bounds (%v, %v]", d, b, metering.BucketUpper(b-1), metering.BucketUpper(b))
		}
	}
	h := metering.NewHistogram()
	for i := 1; i <= 100; i++ {
		h.Add(metering.BucketOf(time.Duration(i)*time.Second), 1)
	}
	if p := h.Quantile(0.9); p < 90*time.Second || p > 110*time.Second {
		t.Errorf("p90 = %v", p)
	}
	if s := h.ShareWithin(60 * time.Second); s < 0.5 || s > 0.6 {
		t.Errorf("share within 60s = %v", s)
	}
}

// A sum that would pass the int64 range never wraps: the event is not
// added and is reported as an anomaly; after a failed commit, merging the
// sums back checks them too.
func TestRecorderSumsAreChecked(t *testing.T) {
	st := &memStore{}
	r := metering.NewRecorder(st, nil)
	var anomalies []metering.Anomaly
	r.SetHooks(metering.RecorderHooks{Anomaly: func(a metering.Anomaly) { anomalies = append(anomalies, a) }})
	t0 := time.Date(2026, 11, 28, 10, 15, 0, 0, time.UTC)
	const big = math.MaxInt64 - 10
	for _, m := range []metering.Metric{metering.InBytes, "custom_metric"} {
		r.Count(metering.Event{Time: t0, Mailbox: "a@x", Metric: m, Value: big})
		r.Count(metering.Event{Time: t0, Mailbox: "a@x", Metric: m, Value: 11}) // past the range
		r.Count(metering.Event{Time: t0, Mailbox: "a@x", Metric: m, Value: 10}) // exactly MaxInt64
	}
	if len(anomalies) != 2 || anomalies[0].Reason != metering.AnomalySumOverflow || anomalies[0].Value != 11 || anomalies[0].Mailbox != "a@x" {
		t.Errorf("anomalies %+v, want the two additions of 11", anomalies)
	}
	// A failed commit puts the sums back; an event recorded while it ran
	// that would pass the range with them is reported, not wrapped.
	during := &duringCommit{}
	r2 := metering.NewRecorder(during, nil)
	r2.SetHooks(metering.RecorderHooks{Anomaly: func(a metering.Anomaly) { anomalies = append(anomalies, a) }})
	r2.Count(metering.Event{Time: t0, Mailbox: "a@x", Metric: metering.InBytes, Value: math.MaxInt64})
	during.count = func() { r2.Count(metering.Event{Time: t0, Mailbox: "a@x", Metric: metering.InBytes, Value: 1}) }
	if err := r2.Flush(context.Background(), nil); err == nil {
		t.Fatal("flush to a failing store succeeded")
	}
	if len(anomalies) != 3 || anomalies[2].Reason != metering.AnomalySumOverflow {
		t.Errorf("anomalies %+v, want the merged sum reported", anomalies)
	}
	if b := r2.Batch(nil); len(b.Counters) != 1 || b.Counters[0].Value < 0 {
		t.Errorf("pending after the failed flush: %+v", b.Counters)
	}
}

// duringCommit fails every commit after calling count, as if an event
// arrived while the commit ran.
type duringCommit struct{ count func() }

func (d *duringCommit) Commit(context.Context, metering.Batch) error {
	d.count()
	return metering.Errorf(metering.Unavailable, "down")
}

func (d *duringCommit) Checkpoint(context.Context, string) (metering.Checkpoint, error) {
	return metering.Checkpoint{}, metering.Errorf(metering.NotFound, "none")
}

// Skipped mailboxes (probe accounts) get no counters and no storage.
func TestRecorderSkipsProbeMailboxes(t *testing.T) {
	st := &memStore{}
	r := metering.NewRecorder(st, nil).Skip([]string{"probe@ops.example"})
	t0 := time.Date(2026, 11, 28, 10, 15, 0, 0, time.UTC)
	r.Count(metering.Event{Time: t0, Mailbox: "probe@ops.example", Metric: metering.InBytes, Value: 10})
	r.Count(metering.Event{Time: t0, Mailbox: "probe@ops.example", Metric: "custom_metric", Value: 1})
	r.Storage(metering.StorageSample{Time: t0, Mailbox: "probe@ops.example", Bytes: 600, Messages: 1})
	r.Count(metering.Event{Time: t0, Mailbox: "a@x", Metric: metering.InBytes, Value: 5})
	r.Storage(metering.StorageSample{Time: t0, Mailbox: "a@x", Bytes: 100, Messages: 1})
	if err := r.Flush(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	b := st.batches[0]
	if len(b.Counters) != 1 || b.Counters[0].Mailbox != "a@x" || len(b.Gauges) != 2 || b.Gauges[0].Mailbox != "a@x" || b.Gauges[1].Mailbox != "a@x" {
		t.Errorf("batch = %+v", b)
	}
}
