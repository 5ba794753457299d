package store

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// The json_each() upserts of SQLite carry every text byte for byte: a
// mailbox or a domain comes back exactly as it was committed, whatever
// bytes it holds (the store does not judge text; the boundaries do).
func TestSQLiteJSONUpsertKeepsTextExact(t *testing.T) {
	s := openMigrated(t, "sqlite:"+filepath.Join(t.TempDir(), "m.db"))
	ctx := context.Background()
	h := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	texts := []string{
		`plain@x.example`, `"quoted"@x.example`, `back\slash@x.example`, `"a\"b"@x.example`,
		"tab\there@x.example", "ctl\x01\x1f@x.example", "del\x7f@x.example", "nul\x00byte@x.example",
		"jürgen@bücher.example", "bad\xff\xfeutf8@x.example", "line\u2028sep@x.example", `\u0041@x.example`,
		"", strings.Repeat("long", 300) + "@x.example",
	}
	var b metering.Batch
	for i, m := range texts {
		b.Counters = append(b.Counters, metering.CounterDelta{Mailbox: m, Metric: metering.InBytes, Hour: h, Value: int64(i + 1)})
		b.Latency = append(b.Latency, metering.LatencyDelta{Hour: h, Direction: metering.Inbound, Domain: m, Bucket: 2, Count: int64(i + 1)})
	}
	for range 2 { // inserted, then added to
		if err := s.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	tot, err := s.Totals(ctx, metering.UsageQuery{From: h, To: h.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, m := range tot {
		got[m.Mailbox] = m.Values[metering.InBytes]
	}
	for i, m := range texts {
		if got[m] != int64(2*(i+1)) {
			t.Errorf("in_bytes of %q: %d, want %d", m, got[m], 2*(i+1))
		}
		lat, err := s.Latency(ctx, metering.LatencyQuery{From: h, To: h.Add(time.Hour), Domain: m})
		if err != nil {
			t.Fatal(err)
		}
		if lat[metering.Inbound] == nil || lat[metering.Inbound].Total != int64(2*(i+1)) {
			t.Errorf("latency of %q: %+v, want a total of %d", m, lat[metering.Inbound], 2*(i+1))
		}
	}
	if len(got) != len(texts) {
		t.Errorf("%d mailboxes stored, want %d: %v", len(got), len(texts), got)
	}
}

// A batch of more rows than one json_each() statement takes is written
// whole, in several.
func TestSQLiteJSONUpsertInChunks(t *testing.T) {
	s := openMigrated(t, "sqlite:"+filepath.Join(t.TempDir(), "m.db"))
	ctx := context.Background()
	h := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	n := 2*jsonRows + 7
	var b metering.Batch
	for i := range n {
		b.Counters = append(b.Counters, metering.CounterDelta{Mailbox: "m" + strconv.Itoa(i) + "@x.example", Metric: metering.OutBytes, Hour: h, Value: int64(i)})
		b.Latency = append(b.Latency, metering.LatencyDelta{Hour: h, Direction: metering.Outbound, Domain: "x.example", Bucket: i, Count: 1})
	}
	if err := s.Commit(ctx, b); err != nil {
		t.Fatal(err)
	}
	tot, err := s.Totals(ctx, metering.UsageQuery{From: h, To: h.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, m := range tot {
		sum += m.Values[metering.OutBytes]
	}
	if len(tot) != n || sum != int64(n*(n-1)/2) {
		t.Errorf("%d mailboxes, out_bytes %d; want %d, %d", len(tot), sum, n, n*(n-1)/2)
	}
	lat, err := s.Latency(ctx, metering.LatencyQuery{From: h, To: h.Add(time.Hour), Domain: "x.example"})
	if err != nil {
		t.Fatal(err)
	}
	if got := lat[metering.Outbound]; got == nil || got.Total != int64(n) {
		t.Errorf("latency %+v, want %d deliveries", got, n)
	}
}
