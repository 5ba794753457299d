package ingest_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/internal/ingest"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

var t0 = time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return t0 }

var auth = api.AuthConfig{Issuer: "mailmeter", Audience: "mailmeter", Secret: []byte("0123456789abcdef0123456789abcdef-ic")}

// server is the real API router over s, behind a switch that can make it
// fail with 503 or drop connections.
type server struct {
	*httptest.Server
	failures atomic.Int32 // answer 503 this many times
	seen     atomic.Int32
}

func newServer(t *testing.T, s *store.Store) *server {
	t.Helper()
	ver, err := api.NewVerifier(auth, clock)
	if err != nil {
		t.Fatal(err)
	}
	r := api.NewRouter(api.Deps{Log: slog.New(slog.DiscardHandler), Health: s, Now: clock, Auth: ver,
		Ingest: metering.NewIngester(s, nil)})
	srv := &server{}
	srv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		srv.seen.Add(1)
		if srv.failures.Add(-1) >= 0 {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		r.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func serviceToken(t *testing.T) string {
	t.Helper()
	tok, err := api.MintToken(auth, api.TokenInput{Role: api.RoleService, Subject: "mx1", TTL: time.Hour}, t0)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// sleeps records backoff waits instead of sleeping.
type sleeps struct{ d []time.Duration }

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.d = append(s.d, d)
	return ctx.Err()
}

func batch(source string, seq, to, value int64) metering.Batch {
	return metering.Batch{
		Checkpoint: &metering.Checkpoint{Source: source, Seq: seq, Offset: to, Position: []byte("pos"), State: []byte("st")},
		Counters:   []metering.CounterDelta{{Mailbox: "alice@acme.example", Metric: metering.InBytes, Hour: t0, Value: value}},
		Gauges: []metering.GaugeDelta{{Mailbox: "alice@acme.example", Metric: metering.StorageBytes, Hour: t0,
			Last: 10, Max: 12, ObservedAt: t0.Add(time.Minute)}},
		Latency: []metering.LatencyDelta{{Hour: t0, Direction: metering.Inbound, Bucket: 3, Count: 1}},
	}
}

func inBytes(t *testing.T, s *store.Store) int64 {
	t.Helper()
	tot, err := s.Totals(context.Background(), metering.UsageQuery{From: t0, To: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(tot) == 0 {
		return 0
	}
	return tot[0].Values[metering.InBytes]
}

func TestPushExactlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		srv := newServer(t, s)
		var sl sleeps
		c, err := ingest.New(srv.URL+"/v1/ingest", serviceToken(t), ingest.Options{Sleep: sl.sleep})
		if err != nil {
			t.Fatal(err)
		}
		const src = "mx1:/var/log/mail.log"
		if _, err := c.Checkpoint(ctx, src); metering.KindOf(err) != metering.NotFound {
			t.Fatalf("checkpoint of a new source: %v, want not found", err)
		}
		if err := c.Commit(ctx, batch(src, 1, 100, 7)); err != nil {
			t.Fatal(err)
		}
		// The API goes down for two answers: the client waits and retries.
		srv.failures.Store(2)
		if err := c.Commit(ctx, batch(src, 2, 250, 5)); err != nil {
			t.Fatal(err)
		}
		if len(sl.d) != 2 || sl.d[1] <= sl.d[0]/2 {
			t.Errorf("backoff waits %v, want two growing waits", sl.d)
		}
		// A restarted collector (new client) resumes from the API's checkpoint
		// and replays its last batch, whose ack it never saw.
		c2, _ := ingest.New(srv.URL, serviceToken(t), ingest.Options{Sleep: sl.sleep})
		cp, err := c2.Checkpoint(ctx, src)
		if err != nil || cp.Seq != 2 || cp.Offset != 250 || string(cp.State) != "st" {
			t.Fatalf("checkpoint %+v, %v", cp, err)
		}
		c3, _ := ingest.New(srv.URL, serviceToken(t), ingest.Options{Sleep: sl.sleep})
		if err := c3.Commit(ctx, batch(src, 1, 100, 7)); err != nil {
			t.Fatalf("replayed first batch: %v", err)
		}
		if n := inBytes(t, s); n != 12 {
			t.Errorf("in_bytes = %d, want 12 (each batch once)", n)
		}
		if err := c2.Commit(ctx, batch(src, 3, 300, 1)); err != nil {
			t.Fatal(err)
		}
		// A client that never saw the source asks the API where it stands.
		c4, _ := ingest.New(srv.URL, serviceToken(t), ingest.Options{Sleep: sl.sleep})
		if err := c4.Commit(ctx, batch(src, 4, 400, 1)); err != nil {
			t.Fatal(err)
		}
		// A later batch of a source the API does not know is refused, not retried.
		seen := srv.seen.Load()
		bad := metering.Batch{Checkpoint: &metering.Checkpoint{Source: "other", Seq: 2, Offset: 50}}
		if err := c4.Commit(ctx, bad); metering.KindOf(err) != metering.NotFound {
			t.Errorf("second batch of an unknown source: %v", err)
		}
		if srv.seen.Load()-seen != 1 {
			t.Errorf("%d requests for a refused batch, want 1", srv.seen.Load()-seen)
		}
	})
}

func TestPushFailures(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	ctx := context.Background()
	t.Run("gap is a conflict", func(t *testing.T) {
		c, _ := ingest.New(srv.URL, serviceToken(t), ingest.Options{})
		if err := c.Commit(ctx, batch("g", 1, 10, 1)); err != nil {
			t.Fatal(err)
		}
		c2, _ := ingest.New(srv.URL, serviceToken(t), ingest.Options{})
		if _, err := c2.Checkpoint(ctx, "g"); err != nil {
			t.Fatal(err)
		}
		if err := c2.Commit(ctx, batch("g", 2, 20, 1)); err != nil {
			t.Fatal(err)
		}
		// c still believes the source is at 10: its batch overlaps.
		err := c.Commit(ctx, batch("g", 2, 30, 1))
		if metering.KindOf(err) != metering.Conflict || metering.FieldOf(err) != "from_offset" {
			t.Errorf("stale client: %v, want conflict on from_offset", err)
		}
	})
	t.Run("bad token is not retried", func(t *testing.T) {
		var sl sleeps
		c, _ := ingest.New(srv.URL, "not-a-token", ingest.Options{Sleep: sl.sleep})
		if err := c.Commit(ctx, batch("u", 1, 10, 1)); metering.KindOf(err) != metering.Unauthorized || len(sl.d) != 0 {
			t.Errorf("bad token: %v after %d retries", err, len(sl.d))
		}
	})
	t.Run("unreachable API gives up after MaxAttempts", func(t *testing.T) {
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		var sl sleeps
		c, _ := ingest.New(dead.URL, serviceToken(t), ingest.Options{Sleep: sl.sleep, MaxAttempts: 4})
		if err := c.Commit(ctx, batch("d", 1, 10, 1)); metering.KindOf(err) != metering.Unavailable || len(sl.d) != 3 {
			t.Errorf("dead API: %v after %d waits", err, len(sl.d))
		}
	})
	t.Run("context ends the retries", func(t *testing.T) {
		srv.failures.Store(1000)
		defer srv.failures.Store(0)
		cctx, cancel := context.WithCancel(ctx)
		n := 0
		c, _ := ingest.New(srv.URL, serviceToken(t), ingest.Options{Sleep: func(context.Context, time.Duration) error {
			if n++; n == 5 {
				cancel()
			}
			return cctx.Err()
		}})
		if err := c.Commit(cctx, batch("c", 1, 10, 1)); metering.KindOf(err) != metering.Unavailable || n != 5 {
			t.Errorf("cancelled: %v after %d waits", err, n)
		}
	})
	for _, u := range []string{"ftp://x", "nohost", ""} {
		if _, err := ingest.New(u, "t", ingest.Options{}); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
}

// A collector catching up pushes big batches: the ingest route takes up to
// its own limit (32 MiB by default, above the 1 MiB of other routes), and a
// batch over it stops the collector with what to change, not a retry loop.
func TestPushBigBatches(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	big := batch("big", 1, 10, 1)
	for i := range 20000 {
		big.Counters = append(big.Counters, metering.CounterDelta{Mailbox: fmt.Sprintf("u%05d@acme.example", i), Metric: metering.OutBytes, Hour: t0, Value: 1})
	}
	c, _ := ingest.New(newServer(t, s).URL, serviceToken(t), ingest.Options{})
	if err := c.Commit(ctx, big); err != nil {
		t.Fatalf("a batch of 20,000 counters (over 1 MiB of JSON): %v", err)
	}
	ver, _ := api.NewVerifier(auth, clock)
	small := httptest.NewServer(api.NewRouter(api.Deps{Log: slog.New(slog.DiscardHandler), Health: s, Now: clock, Auth: ver,
		Ingest: metering.NewIngester(s, nil), MaxIngestBytes: 4096}))
	defer small.Close()
	var sl sleeps
	c, _ = ingest.New(small.URL, serviceToken(t), ingest.Options{Sleep: sl.sleep})
	big.Checkpoint.Source = "big2"
	err := c.Commit(ctx, big)
	if metering.KindOf(err) != metering.Invalid || !strings.Contains(err.Error(), "raise api.max_ingest_bytes") || len(sl.d) != 0 {
		t.Errorf("over the ingest limit: %v after %d retries", err, len(sl.d))
	}
}
