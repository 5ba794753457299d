package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// A batch with one implausible or non-canonical entry among good ones is
// refused whole with a 400 naming the entry; nothing of it is stored and
// the source does not move. The same batch corrected is then applied.
func TestIngestRefusesImplausibleEntries(t *testing.T) {
	good := func() map[string]any {
		return map[string]any{"source": "mx9", "seq": 1, "from_offset": 0, "to_offset": 100,
			"counters": []any{
				map[string]any{"mailbox": "alice@acme.example", "metric": "in_bytes", "hour": hour, "value": 1200},
				map[string]any{"mailbox": "bob@acme.example", "metric": "in_messages", "hour": hour, "value": 2},
			},
			"gauges": []any{map[string]any{"mailbox": "alice@acme.example", "folder": "Sent", "metric": "storage_bytes",
				"hour": hour, "last": 10, "max": 20, "observed_at": "2026-11-10T12:59:59Z"}},
			"latency": []any{map[string]any{"hour": hour, "direction": "inbound", "domain": "acme.example", "bucket": 40, "count": 3}},
		}
	}
	set := func(list string, i int, field string, v any) func(map[string]any) {
		return func(b map[string]any) { b[list].([]any)[i].(map[string]any)[field] = v }
	}
	tests := []struct {
		name  string
		edit  func(map[string]any)
		field string
	}{
		{"negative counter", set("counters", 1, "value", -2), "counters[1].value"},
		{"counter beyond 2^53", set("counters", 0, "value", int64(1)<<53), "counters[0].value"},
		{"mailbox not canonical", set("counters", 1, "mailbox", "Bob@Acme.Example"), "counters[1].mailbox"},
		{"mailbox in brackets", set("counters", 0, "mailbox", "<alice@acme.example>"), "counters[0].mailbox"},
		{"gauge last above max", set("gauges", 0, "last", 21), "gauges[0].last"},
		{"gauge observed in another hour", set("gauges", 0, "observed_at", "2026-11-10T13:00:00Z"), "gauges[0].observed_at"},
		{"bucket out of the histogram", set("latency", 0, "bucket", 500), "latency[0].bucket"},
		{"negative latency count", set("latency", 0, "count", -1), "latency[0].count"},
		{"domain not canonical", set("latency", 0, "domain", "ACME.example"), "latency[0].domain"},
		{"bad hour", set("counters", 0, "hour", "noon"), "counters[0].hour"},
		{"negative seq", func(b map[string]any) { b["seq"] = -1 }, "seq"},
		{"to before from", func(b map[string]any) { b["from_offset"] = 101 }, "to_offset"},
	}
	storetest.EachDSN(t, func(t *testing.T, s *store.Store, dsn string) {
		e := newEnv(t, s)
		svc := token(t, api.RoleService, "mx9")
		before := storetest.Contents(t, dsn)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				b := good()
				tt.edit(b)
				rec := e.do("POST", "/v1/ingest", svc, b)
				problem(t, rec, http.StatusBadRequest, "invalid", tt.field)
				if p := decode[api.Problem](t, rec); !strings.HasPrefix(p.Detail, tt.field) {
					t.Errorf("detail %q does not start with the entry %s", p.Detail, tt.field)
				}
			})
		}
		if diff := cmp.Diff(before, storetest.Contents(t, dsn)); diff != "" {
			t.Fatalf("refused batches changed the database (-before +after):\n%s", diff)
		}
		problem(t, e.do("GET", "/v1/ingest/sources/mx9", svc, nil), http.StatusNotFound, "not_found", "")
		if rec := e.do("POST", "/v1/ingest", svc, good()); rec.Code != http.StatusOK {
			t.Fatalf("the corrected batch: status %d: %s", rec.Code, rec.Body.String())
		}
	})
}
