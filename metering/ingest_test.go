package metering_test

import (
	"context"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// memIngest is an in-memory IngestStore.
type memIngest struct {
	cp      map[string]metering.Checkpoint
	applied map[[3]int64]bool // {seq, from, to}
	commits int
}

func (m *memIngest) Checkpoint(_ context.Context, s string) (metering.Checkpoint, error) {
	cp, ok := m.cp[s]
	if !ok {
		return cp, metering.Errorf(metering.NotFound, "no checkpoint")
	}
	return cp, nil
}

func (m *memIngest) CommitRange(_ context.Context, b metering.Batch, from int64) error {
	cp := *b.Checkpoint
	if cp.Seq != m.cp[cp.Source].Seq+1 {
		return &metering.Error{Kind: metering.Conflict, Field: "seq", Message: "fence"}
	}
	m.cp[cp.Source] = cp
	m.applied[[3]int64{cp.Seq, from, cp.Offset}] = true
	m.commits++
	return nil
}

func (m *memIngest) Applied(_ context.Context, _ string, seq, from, to int64) (bool, error) {
	for k := range m.applied {
		if k[1] == from && k[2] == to && (seq == 0 || k[0] == seq) {
			return true, nil
		}
	}
	return false, nil
}

func TestIngestClassification(t *testing.T) {
	m := &memIngest{cp: map[string]metering.Checkpoint{}, applied: map[[3]int64]bool{}}
	var seen int
	g := metering.NewIngester(m, func(metering.Batch) { seen++ })
	steps := []struct {
		name          string
		seq, from, to int64
		want          metering.IngestStatus
		kind          metering.Kind
		field         string
	}{
		{"unknown source not at 0", 1, 10, 20, "", metering.Conflict, "from_offset"},
		{"first", 1, 0, 10, metering.Applied, "", ""},
		{"replay", 1, 0, 10, metering.Duplicate, "", ""},
		{"next", 2, 10, 30, metering.Applied, "", ""},
		{"gap", 3, 40, 50, "", metering.Conflict, "from_offset"},
		{"overlap", 3, 20, 40, "", metering.Conflict, "from_offset"},
		{"range never applied", 0, 0, 5, "", metering.Conflict, "from_offset"},
		{"empty range", 3, 30, 30, metering.Applied, "", ""},
		{"empty range replay", 3, 30, 30, metering.Duplicate, "", ""},
		{"empty range with a used seq that was not empty", 2, 30, 30, "", metering.Conflict, "from_offset"},
		{"reversed", 4, 30, 20, "", metering.Invalid, "to_offset"},
	}
	for _, s := range steps {
		res, err := g.Ingest(context.Background(), metering.IngestInput{From: s.from,
			Batch: metering.Batch{Checkpoint: &metering.Checkpoint{Source: "s", Seq: s.seq, Offset: s.to}}})
		if metering.KindOf(err) != s.kind || metering.FieldOf(err) != s.field || res.Status != s.want {
			t.Errorf("%s: %+v, %v; want %q / %q on %q", s.name, res, err, s.want, s.kind, s.field)
		}
	}
	if m.commits != 3 || seen != 3 {
		t.Errorf("%d commits, %d hooks; want 3", m.commits, seen)
	}
}

// Pushed addresses must be in the canonical form collectors write (IDN
// domains as A-labels, no trailing dot, lower case): another spelling is
// refused naming the entry, and nothing is committed; the canonical
// spelling lands as it is.
func TestIngestRefusesOtherSpellings(t *testing.T) {
	m := &memIngest{cp: map[string]metering.Checkpoint{}, applied: map[[3]int64]bool{}}
	var got metering.Batch
	g := metering.NewIngester(m, func(b metering.Batch) { got = b })
	hour := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	cp := &metering.Checkpoint{Source: "mx1:/var/log/mail.log", Seq: 1, Offset: 10}
	for field, b := range map[string]metering.Batch{
		"counters[0].mailbox": {Checkpoint: cp, Counters: []metering.CounterDelta{{Mailbox: "Alice@ACME.test.", Metric: metering.InMessages, Hour: hour, Value: 1}}},
		"gauges[0].mailbox":   {Checkpoint: cp, Gauges: []metering.GaugeDelta{{Mailbox: "hans@Ü.example", Metric: metering.StorageBytes, Hour: hour, ObservedAt: hour, Last: 5, Max: 5}}},
		"latency[0].domain":   {Checkpoint: cp, Latency: []metering.LatencyDelta{{Direction: metering.Inbound, Domain: "ACME.test.", Hour: hour, Count: 1}}},
	} {
		_, err := g.Ingest(context.Background(), metering.IngestInput{From: 0, Batch: b})
		if metering.KindOf(err) != metering.Invalid || metering.FieldOf(err) != field {
			t.Errorf("%s: err %v (field %q), want invalid naming it", field, err, metering.FieldOf(err))
		}
	}
	if m.commits != 0 {
		t.Fatalf("%d commits of refused batches", m.commits)
	}
	b := metering.Batch{Checkpoint: cp,
		Counters: []metering.CounterDelta{{Mailbox: "alice@acme.test", Metric: metering.InMessages, Hour: hour, Value: 1}},
		Gauges:   []metering.GaugeDelta{{Mailbox: "hans@xn--tda.example", Metric: metering.StorageBytes, Hour: hour, ObservedAt: hour, Last: 5, Max: 5}},
		Latency:  []metering.LatencyDelta{{Direction: metering.Inbound, Domain: "acme.test", Hour: hour, Count: 1}},
	}
	if _, err := g.Ingest(context.Background(), metering.IngestInput{From: 0, Batch: b}); err != nil {
		t.Fatal(err)
	}
	if got.Counters[0].Mailbox != "alice@acme.test" || got.Gauges[0].Mailbox != "hans@xn--tda.example" || got.Latency[0].Domain != "acme.test" {
		t.Errorf("committed %q, %q, %q", got.Counters[0].Mailbox, got.Gauges[0].Mailbox, got.Latency[0].Domain)
	}
}
