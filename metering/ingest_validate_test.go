package metering_test

import (
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

var vh = time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)

// validIngest is a batch Validate accepts: two counters, a gauge and a
// latency bucket.
func validIngest() metering.IngestInput {
	return metering.IngestInput{From: 0, Batch: metering.Batch{
		Checkpoint: &metering.Checkpoint{Source: "mx1:/var/log/mail.log", Seq: 1, Offset: 100},
		Counters: []metering.CounterDelta{
			{Mailbox: "alice@acme.example", Metric: metering.InBytes, Hour: vh.Add(10 * time.Minute), Value: 1200},
			{Mailbox: "bob", Metric: metering.OutMessages, Hour: vh, Value: 1}, // a login without @: metered as written
		},
		Gauges: []metering.GaugeDelta{{Mailbox: "alice@acme.example", Folder: "Entwürfe", Metric: metering.StorageBytes, Hour: vh,
			Last: 10, Max: 20, ObservedAt: vh.Add(59 * time.Minute)}},
		Latency: []metering.LatencyDelta{{Hour: vh, Direction: metering.Inbound, Domain: "acme.example", Bucket: 172, Count: 3},
			{Hour: vh, Direction: metering.Outbound, Domain: "", Bucket: 0, Count: 1}},
	}}
}

func TestIngestValidate(t *testing.T) {
	in := validIngest()
	if err := in.Validate(); err != nil {
		t.Fatalf("valid batch refused: %v", err)
	}
	if !in.Batch.Counters[0].Hour.Equal(vh) {
		t.Errorf("hour not truncated: %v", in.Batch.Counters[0].Hour)
	}
	tests := []struct {
		name  string
		edit  func(b *metering.IngestInput)
		field string
	}{
		{"negative seq", func(b *metering.IngestInput) { b.Batch.Checkpoint.Seq = -1 }, "seq"},
		{"offset beyond 2^53", func(b *metering.IngestInput) { b.Batch.Checkpoint.Offset = 1 << 53 }, "to_offset"},
		{"to before from", func(b *metering.IngestInput) { b.From = 200 }, "to_offset"},
		{"source with a line end", func(b *metering.IngestInput) { b.Batch.Checkpoint.Source = "mx1\n" }, "source"},
		{"negative counter", func(b *metering.IngestInput) { b.Batch.Counters[0].Value = -1 }, "counters[0].value"},
		{"counter beyond 2^53", func(b *metering.IngestInput) { b.Batch.Counters[0].Value = 1 << 53 }, "counters[0].value"},
		{"second entry named", func(b *metering.IngestInput) { b.Batch.Counters[1].Value = -5 }, "counters[1].value"},
		{"upper-case mailbox", func(b *metering.IngestInput) { b.Batch.Counters[0].Mailbox = "Alice@acme.example" }, "counters[0].mailbox"},
		{"bracketed mailbox", func(b *metering.IngestInput) { b.Batch.Counters[0].Mailbox = "<alice@acme.example>" }, "counters[0].mailbox"},
		{"mailbox with space", func(b *metering.IngestInput) { b.Batch.Counters[0].Mailbox = " alice@acme.example" }, "counters[0].mailbox"},
		{"empty mailbox", func(b *metering.IngestInput) { b.Batch.Counters[0].Mailbox = "" }, "counters[0].mailbox"},
		{"mailbox with NUL", func(b *metering.IngestInput) { b.Batch.Counters[0].Mailbox = "a\x00b@acme.example" }, "counters[0].mailbox"},
		{"mailbox not UTF-8", func(b *metering.IngestInput) { b.Batch.Counters[0].Mailbox = "a\xffb@acme.example" }, "counters[0].mailbox"},
		{"gauge metric as counter", func(b *metering.IngestInput) { b.Batch.Counters[0].Metric = metering.StorageBytes }, "counters[0].metric"},
		{"counter hour before 1970", func(b *metering.IngestInput) { b.Batch.Counters[0].Hour = time.Time{} }, "counters[0].hour"},
		{"gauge last above max", func(b *metering.IngestInput) { b.Batch.Gauges[0].Last = 21 }, "gauges[0].last"},
		{"negative gauge", func(b *metering.IngestInput) { b.Batch.Gauges[0].Max = -1 }, "gauges[0].max"},
		{"gauge observed in another hour", func(b *metering.IngestInput) { b.Batch.Gauges[0].ObservedAt = vh.Add(time.Hour) }, "gauges[0].observed_at"},
		{"gauge folder with a line end", func(b *metering.IngestInput) { b.Batch.Gauges[0].Folder = "a\nb" }, "gauges[0].folder"},
		{"gauge mailbox upper case", func(b *metering.IngestInput) { b.Batch.Gauges[0].Mailbox = "ALICE@acme.example" }, "gauges[0].mailbox"},
		{"bucket below the histogram", func(b *metering.IngestInput) { b.Batch.Latency[0].Bucket = -1 }, "latency[0].bucket"},
		{"bucket above the histogram", func(b *metering.IngestInput) { b.Batch.Latency[0].Bucket = 173 }, "latency[0].bucket"},
		{"negative latency count", func(b *metering.IngestInput) { b.Batch.Latency[1].Count = -3 }, "latency[1].count"},
		{"latency domain upper case", func(b *metering.IngestInput) { b.Batch.Latency[0].Domain = "Acme.example" }, "latency[0].domain"},
		{"latency domain with @", func(b *metering.IngestInput) { b.Batch.Latency[0].Domain = "a@acme.example" }, "latency[0].domain"},
		{"latency direction", func(b *metering.IngestInput) { b.Batch.Latency[0].Direction = "sideways" }, "latency[0].direction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validIngest()
			tt.edit(&in)
			err := in.Validate()
			if metering.KindOf(err) != metering.Invalid || metering.FieldOf(err) != tt.field {
				t.Errorf("err %v (field %q), want invalid naming %s", err, metering.FieldOf(err), tt.field)
			}
		})
	}
}
