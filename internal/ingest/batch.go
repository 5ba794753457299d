package ingest

import (
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// Batch is a metering.Batch with its checkpoint and the source's byte range
// [FromOffset, ToOffset).
type Batch struct {
	Source     string    `json:"source"`
	Seq        int64     `json:"seq"`
	FromOffset int64     `json:"from_offset"`
	ToOffset   int64     `json:"to_offset"`
	Position   []byte    `json:"position,omitempty"`
	State      []byte    `json:"state,omitempty"`
	Counters   []Counter `json:"counters,omitempty"`
	Gauges     []Gauge   `json:"gauges,omitempty"`
	Latency    []Latency `json:"latency,omitempty"`
}

// Counter is one metering.CounterDelta.
type Counter struct {
	Mailbox string          `json:"mailbox"`
	Metric  metering.Metric `json:"metric"`
	Hour    time.Time       `json:"hour"`
	Value   int64           `json:"value"`
}

// Gauge is one metering.GaugeDelta.
type Gauge struct {
	Mailbox    string          `json:"mailbox"`
	Folder     string          `json:"folder"`
	Metric     metering.Metric `json:"metric"`
	Hour       time.Time       `json:"hour"`
	Last       int64           `json:"last"`
	Max        int64           `json:"max"`
	ObservedAt time.Time       `json:"observed_at"`
}

// Latency is one metering.LatencyDelta.
type Latency struct {
	Hour      time.Time          `json:"hour"`
	Direction metering.Direction `json:"direction"`
	Domain    string             `json:"domain"`
	Bucket    int                `json:"bucket"`
	Count     int64              `json:"count"`
}

// FromBatch encodes a batch (which must carry its checkpoint) whose range
// starts at from.
func FromBatch(b metering.Batch, from int64) Batch {
	cp := b.Checkpoint
	w := Batch{Source: cp.Source, Seq: cp.Seq, FromOffset: from, ToOffset: cp.Offset, Position: cp.Position, State: cp.State}
	for _, c := range b.Counters {
		w.Counters = append(w.Counters, Counter{c.Mailbox, c.Metric, c.Hour.UTC(), c.Value})
	}
	for _, g := range b.Gauges {
		w.Gauges = append(w.Gauges, Gauge{g.Mailbox, g.Folder, g.Metric, g.Hour.UTC(), g.Last, g.Max, g.ObservedAt.UTC()})
	}
	for _, l := range b.Latency {
		w.Latency = append(w.Latency, Latency{l.Hour.UTC(), l.Direction, l.Domain, l.Bucket, l.Count})
	}
	return w
}
