package ingest_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/internal/ingest"
	"github.com/mailmeter/mailmeter/metering"
)

// What the client encodes, the API decodes to the same batch and range.
func TestRoundTrip(t *testing.T) {
	h := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	b := metering.Batch{
		Checkpoint: &metering.Checkpoint{Source: "mx1:/var/log/mail.log", Seq: 7, Offset: 9000, Position: []byte(`{"offset":9000}`), State: []byte("{}")},
		Counters:   []metering.CounterDelta{{Mailbox: "a@x.example", Metric: metering.InBytes, Hour: h, Value: 42}},
		Gauges:     []metering.GaugeDelta{{Mailbox: "a@x.example", Folder: "Sent", Metric: metering.StorageBytes, Hour: h, Last: 5, Max: 9, ObservedAt: h.Add(time.Minute)}},
		Latency:    []metering.LatencyDelta{{Hour: h, Direction: metering.Inbound, Domain: "x.example", Bucket: 40, Count: 3}},
	}
	raw, err := json.Marshal(ingest.FromBatch(b, 4000))
	if err != nil {
		t.Fatal(err)
	}
	in, err := ingest.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if in.From != 4000 {
		t.Errorf("from = %d", in.From)
	}
	if diff := cmp.Diff(b, in.Batch); diff != "" {
		t.Errorf("round trip (-sent +received):\n%s", diff)
	}
}
