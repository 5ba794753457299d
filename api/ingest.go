package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/metering"
)

// The wire form of POST /v1/ingest: a metering.Batch with its checkpoint
// and the source's byte range [from_offset, to_offset).
type ingestIn struct {
	Source     string         `json:"source"`
	Seq        int64          `json:"seq"`
	FromOffset int64          `json:"from_offset"`
	ToOffset   int64          `json:"to_offset"`
	Position   []byte         `json:"position"`
	State      []byte         `json:"state"`
	Counters   []counterJSON  `json:"counters"`
	Gauges     []gaugeJSON    `json:"gauges"`
	Latency    []latencyDelta `json:"latency"`
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

func (in ingestIn) domain() metering.IngestInput {
	b := metering.Batch{Checkpoint: &metering.Checkpoint{Source: in.Source, Seq: in.Seq, Offset: in.ToOffset,
		Position: in.Position, State: in.State}}
	for _, c := range in.Counters {
		b.Counters = append(b.Counters, metering.CounterDelta{Mailbox: c.Mailbox, Metric: c.Metric, Hour: c.Hour, Value: c.Value})
	}
	for _, g := range in.Gauges {
		b.Gauges = append(b.Gauges, metering.GaugeDelta{Mailbox: g.Mailbox, Folder: g.Folder, Metric: g.Metric, Hour: g.Hour,
			Last: g.Last, Max: g.Max, ObservedAt: g.ObservedAt})
	}
	for _, l := range in.Latency {
		b.Latency = append(b.Latency, metering.LatencyDelta{Hour: l.Hour, Direction: l.Direction, Domain: l.Domain, Bucket: l.Bucket, Count: l.Count})
	}
	return metering.IngestInput{From: in.FromOffset, Batch: b}
}

type ingestOut struct {
	Status metering.IngestStatus `json:"status"`
	Source string                `json:"source"`
	Seq    int64                 `json:"seq"`
	Offset int64                 `json:"offset"`
}

func (a *app) ingest(c *gin.Context) {
	var in ingestIn
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	res, err := a.Ingest.Ingest(c.Request.Context(), in.domain())
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, ingestOut{res.Status, res.Checkpoint.Source, res.Checkpoint.Seq, res.Checkpoint.Offset})
}

type checkpointJSON struct {
	Source    string `json:"source"`
	Seq       int64  `json:"seq"`
	Offset    int64  `json:"offset"`
	Position  []byte `json:"position,omitempty"`
	State     []byte `json:"state,omitempty"`
	UpdatedAt string `json:"updated_at"`
}

func (a *app) sourceCheckpoint(c *gin.Context) {
	source := strings.TrimPrefix(c.Param("source"), "/")
	if source == "" {
		a.fail(c, metering.FieldError("source", "source is required"))
		return
	}
	cp, err := a.Checkpoints.Checkpoint(c.Request.Context(), source)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, checkpointJSON{cp.Source, cp.Seq, cp.Offset, cp.Position, cp.State, rfc3339(cp.UpdatedAt)})
}
