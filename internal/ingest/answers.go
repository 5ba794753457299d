package ingest

import (
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// Ack is the answer to a pushed batch: whether it was applied or was a
// duplicate of an applied one, and the source's checkpoint after it.
type Ack struct {
	Status metering.IngestStatus `json:"status"`
	Source string                `json:"source"`
	Seq    int64                 `json:"seq"`
	Offset int64                 `json:"offset"`
}

// AckOf is the Ack of an ingest result.
func AckOf(res metering.IngestResult) Ack {
	return Ack{res.Status, res.Checkpoint.Source, res.Checkpoint.Seq, res.Checkpoint.Offset}
}

// Checkpoint is a source's stored checkpoint, the answer of GET
// /v1/ingest/sources/{source}. UpdatedAt is in UTC, to the second.
type Checkpoint struct {
	Source    string    `json:"source"`
	Seq       int64     `json:"seq"`
	Offset    int64     `json:"offset"`
	Position  []byte    `json:"position,omitempty"`
	State     []byte    `json:"state,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// FromCheckpoint encodes a checkpoint.
func FromCheckpoint(cp metering.Checkpoint) Checkpoint {
	return Checkpoint{cp.Source, cp.Seq, cp.Offset, cp.Position, cp.State, cp.UpdatedAt.UTC().Truncate(time.Second)}
}

// Checkpoint decodes it.
func (c Checkpoint) Checkpoint() metering.Checkpoint {
	return metering.Checkpoint{Source: c.Source, Seq: c.Seq, Offset: c.Offset, Position: c.Position, State: c.State, UpdatedAt: c.UpdatedAt}
}
