package ingest_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/internal/ingest"
	"github.com/mailmeter/mailmeter/metering"
)

// The answers' JSON is the API contract (openapi/openapi.yaml): field names,
// order and the updated_at form stay as they are.
func TestAnswersJSON(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	for _, tt := range []struct {
		name string
		v    any
		want string
	}{
		{"ack", ingest.AckOf(metering.IngestResult{Status: metering.Applied,
			Checkpoint: metering.Checkpoint{Source: "mx1:/var/log/mail.log", Seq: 5, Offset: 300}}),
			`{"status":"applied","source":"mx1:/var/log/mail.log","seq":5,"offset":300}`},
		{"checkpoint", ingest.FromCheckpoint(metering.Checkpoint{Source: "mx1:/var/log/mail.log", Seq: 5, Offset: 300,
			Position: []byte(`{"off":1}`), State: []byte("{}"), UpdatedAt: time.Date(2026, 11, 10, 13, 30, 0, 999_000_000, berlin)}),
			`{"source":"mx1:/var/log/mail.log","seq":5,"offset":300,"position":"eyJvZmYiOjF9","state":"e30=","updated_at":"2026-11-10T12:30:00Z"}`},
		{"checkpoint without position", ingest.FromCheckpoint(metering.Checkpoint{Source: "s", Seq: 1, Offset: 2,
			UpdatedAt: time.Date(2026, 11, 10, 12, 30, 0, 0, time.UTC)}),
			`{"source":"s","seq":1,"offset":2,"updated_at":"2026-11-10T12:30:00Z"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("JSON (-want +got):\n%s", diff)
			}
		})
	}
}

// What the API sends, the client reads back as the stored checkpoint.
func TestCheckpointRoundTrip(t *testing.T) {
	cp := metering.Checkpoint{Source: "mx1:/var/log/mail.log", Seq: 5, Offset: 300, Position: []byte(`{"off":1}`), State: []byte("{}"),
		UpdatedAt: time.Date(2026, 11, 10, 12, 30, 0, 0, time.UTC)}
	raw, err := json.Marshal(ingest.FromCheckpoint(cp))
	if err != nil {
		t.Fatal(err)
	}
	var w ingest.Checkpoint
	if err := json.Unmarshal(raw, &w); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cp, w.Checkpoint()); diff != "" {
		t.Errorf("round trip (-sent +received):\n%s", diff)
	}
}
