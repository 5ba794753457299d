package ingestclient

import (
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// The JSON forms of the ingest API (see openapi/openapi.yaml).

type batchJSON struct {
	Source     string         `json:"source"`
	Seq        int64          `json:"seq"`
	FromOffset int64          `json:"from_offset"`
	ToOffset   int64          `json:"to_offset"`
	Position   []byte         `json:"position,omitempty"`
	State      []byte         `json:"state,omitempty"`
	Counters   []counterJSON  `json:"counters,omitempty"`
	Gauges     []gaugeJSON    `json:"gauges,omitempty"`
	Latency    []latencyDelta `json:"latency,omitempty"`
}

type counterJSON struct {
	Mailbox string          `json:"mailbox"`
	Metric  metering.Metric `json:"metric"`
	Hour    time.Time       `json:"hour"`
	Value   int64           `json:"value"`
}

type gaugeJSON struct {
	Mailbox    string          `json:"mailbox"`
	Folder     string          `json:"folder"`
	Metric     metering.Metric `json:"metric"`
	Hour       time.Time       `json:"hour"`
	Last       int64           `json:"last"`
	Max        int64           `json:"max"`
	ObservedAt time.Time       `json:"observed_at"`
}

type latencyDelta struct {
	Hour      time.Time          `json:"hour"`
	Direction metering.Direction `json:"direction"`
	Domain    string             `json:"domain"`
	Bucket    int                `json:"bucket"`
	Count     int64              `json:"count"`
}

type checkpointJSON struct {
	Source    string    `json:"source"`
	Seq       int64     `json:"seq"`
	Offset    int64     `json:"offset"`
	Position  []byte    `json:"position"`
	State     []byte    `json:"state"`
	UpdatedAt time.Time `json:"updated_at"`
}

type problemJSON struct {
	Type   string `json:"type"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field string `json:"field"`
	} `json:"errors"`
}

func toWire(b metering.Batch, from int64) batchJSON {
	cp := b.Checkpoint
	w := batchJSON{Source: cp.Source, Seq: cp.Seq, FromOffset: from, ToOffset: cp.Offset, Position: cp.Position, State: cp.State}
	for _, c := range b.Counters {
		w.Counters = append(w.Counters, counterJSON{c.Mailbox, c.Metric, c.Hour.UTC(), c.Value})
	}
	for _, g := range b.Gauges {
		w.Gauges = append(w.Gauges, gaugeJSON{g.Mailbox, g.Folder, g.Metric, g.Hour.UTC(), g.Last, g.Max, g.ObservedAt.UTC()})
	}
	for _, l := range b.Latency {
		w.Latency = append(w.Latency, latencyDelta{l.Hour.UTC(), l.Direction, l.Domain, l.Bucket, l.Count})
	}
	return w
}
