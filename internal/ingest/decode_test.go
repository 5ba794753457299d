package ingest_test

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/internal/ingest"
	"github.com/mailmeter/mailmeter/metering"
)

const goodCounter = `{"mailbox":"a@x.example","metric":"in_bytes","hour":"2026-11-28T10:00:00Z","value":42}`

// Decode names the field of each content error, down to the entry, and
// leaves errors of the JSON text itself to the caller.
func TestDecodeErrors(t *testing.T) {
	head := `{"source":"s","seq":1,"from_offset":0,"to_offset":5,`
	tests := []struct {
		name, body string
		field      string // "" = not a field error
		is         func(error) bool
	}{
		{"unknown top-level field", head + `"surprise":1}`, "surprise", nil},
		{"field given twice", head + `"counters":[],"counters":[]}`, "counters", nil},
		{"seq of the wrong type", `{"seq":"one"}`, "seq", nil},
		{"counters not an array", head + `"counters":{}}`, "counters", nil},
		{"unknown entry field", head + `"counters":[` + goodCounter + `,{"mailbox":"a@x.example","colour":1}]}`, "counters[1].colour", nil},
		{"entry value of the wrong type", head + `"counters":[{"value":"many"}]}`, "counters[0].value", nil},
		{"bad hour", head + `"counters":[{"hour":"yesterday"}]}`, "counters[0].hour", nil},
		{"hour not a string", head + `"gauges":[{"hour":12}]}`, "gauges[0].hour", nil},
		{"control character in a time", head + `"gauges":[{"observed_at":"2026-11-28T10:00:00Z\n"}]}`, "gauges[0].observed_at", nil},
		{"line end in base64", head + `"position":"eyJv\nZmYiOjF9"}`, "position", nil},
		{"not base64", head + `"state":"***"}`, "state", nil},
		{"empty body", ``, "", func(err error) bool { return errors.Is(err, io.EOF) }},
		{"not an object", `[1]`, "body", nil},
		{"truncated", head + `"counters":[` + goodCounter, "", func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }},
		{"syntax error", head + `"counters":[}`, "", func(err error) bool { var se *json.SyntaxError; return errors.As(err, &se) }},
		{"two values", head + `"counters":[]} {}`, "", func(err error) bool { return strings.Contains(err.Error(), "more than one") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ingest.Decode(strings.NewReader(tt.body))
			switch {
			case err == nil:
				t.Fatal("accepted")
			case tt.field != "" && (metering.KindOf(err) != metering.Invalid || metering.FieldOf(err) != tt.field):
				t.Errorf("err %v (field %q), want invalid naming %s", err, metering.FieldOf(err), tt.field)
			case tt.is != nil && !tt.is(err):
				t.Errorf("err %T %v is not the expected one", err, err)
			}
		})
	}
}

// Entries decode in order, with shared strings, and null lists are empty.
func TestDecodeEntries(t *testing.T) {
	body := `{"source":"s","seq":2,"from_offset":10,"to_offset":20,"latency":null,"counters":[` +
		goodCounter + `,` + strings.Replace(goodCounter, "42", "7", 1) + `]}`
	in, err := ingest.Decode(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	cs := in.Batch.Counters
	if in.From != 10 || in.Batch.Checkpoint.Offset != 20 || in.Batch.Checkpoint.Seq != 2 || len(cs) != 2 || cs[0].Value != 42 || cs[1].Value != 7 {
		t.Fatalf("decoded %+v %+v", in, cs)
	}
	if len(in.Batch.Latency) != 0 {
		t.Errorf("latency %v, want none", in.Batch.Latency)
	}
	if err := in.Validate(); err != nil {
		t.Errorf("decoded batch invalid: %v", err)
	}
}

// Decode never panics, and what it accepts Validate can judge.
func FuzzDecode(f *testing.F) {
	f.Add(`{"source":"s","seq":1,"from_offset":0,"to_offset":5,"counters":[` + goodCounter + `]}`)
	f.Add(`{"gauges":[{"mailbox":"a@x.example","folder":"INBOX","metric":"storage_bytes","hour":"2026-11-28T10:00:00Z","last":1,"max":2,"observed_at":"2026-11-28T10:30:00Z"}]}`)
	f.Add(`{"latency":[{"hour":"2026-11-28T10:00:00Z","direction":"inbound","domain":"x.example","bucket":40,"count":3}],"position":"e30="}`)
	f.Add(`{"counters":[{"hour":"\u0000"}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		in, err := ingest.Decode(strings.NewReader(body))
		if err != nil {
			return
		}
		_ = in.Validate()
	})
}
