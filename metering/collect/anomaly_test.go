package collect_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/metering/tail"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// delivered returns the Postfix lines of one message of size bytes from
// outside delivered into a local mailbox, as any local user can write them
// with logger(1).
func delivered(qid, rcpt, size string, minute int) string {
	stamp := fmt.Sprintf("Nov 28 10:%02d:00", minute)
	return stamp + " mx postfix/smtpd[1]: " + qid + ": client=unknown[192.0.2.1]\n" +
		stamp + " mx postfix/qmgr[2]: " + qid + ": from=<x@example.org>, size=" + size + ", nrcpt=1 (queue active)\n" +
		stamp + " mx postfix/local[3]: " + qid + ": to=<" + rcpt + ">, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)\n" +
		stamp + " mx postfix/qmgr[2]: " + qid + ": removed\n"
}

// Ten messages claiming size=999999999999999999 (ten times that is past
// int64) neither wrap a sum nor stop the source: they are anomalies, not
// usage; their lines are otherwise metered, and the mail logged after them
// is metered for every mailbox. In one batch the sum used to wrap negative;
// spread over commits PostgreSQL refused the second one forever.
func TestImplausibleSizesNeverStopMetering(t *testing.T) {
	for _, batchLines := range []int{10000, 12} {
		t.Run(fmt.Sprintf("batch=%d", batchLines), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				implausibleSizes(t, s, batchLines)
			})
		})
	}
}

func implausibleSizes(t *testing.T, s *store.Store, batchLines int) {
	path := filepath.Join(t.TempDir(), "mail.log")
	var bad strings.Builder
	for i := range 10 {
		bad.WriteString(delivered(fmt.Sprintf("BAD%03d", i), "bob@acme.example", "999999999999999999", i))
	}
	appendLines(t, path, []byte(bad.String()))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := collect.LogSource{Name: "mx1:" + path, Path: path, Format: collect.FormatPostfix,
		Proc:          collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"},
		Tail:          tail.Options{PollInterval: 10 * time.Millisecond},
		FlushInterval: 20 * time.Millisecond, BatchLines: batchLines}
	r := collect.NewRunner(src, s, nil, quiet, time.Now)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	waitOffset(t, s, src.Name, fileSize(t, path), done)

	appendLines(t, path, []byte(delivered("C0DE01", "bob@acme.example", "1234", 30)+
		delivered("C0DE02", "carol@acme.example", "4321", 31)))
	waitOffset(t, s, src.Name, fileSize(t, path), done)

	got := totals(t, s)
	want := map[string]map[metering.Metric]int64{
		"bob@acme.example":   {metering.InMessages: 11, metering.InBytes: 1234},
		"carol@acme.example": {metering.InMessages: 1, metering.InBytes: 4321},
	}
	for mb, metrics := range want {
		for m, v := range metrics {
			if got[mb][m] != v {
				t.Errorf("%s %s = %d, want %d", mb, m, got[mb][m], v)
			}
		}
	}
	if n := r.Stats().Anomalies["message_size"]; n != 10 {
		t.Errorf("message_size anomalies = %d, want 10 (stats %+v)", n, r.Stats().Anomalies)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("collector: %v", err)
	}
}

// waitOffset waits until the source's checkpoint accounts for bytes bytes,
// failing if the collector stops or 20 seconds pass.
func waitOffset(t testing.TB, s metering.Committer, source string, bytes int64, done chan error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last metering.Checkpoint
	for time.Now().Before(deadline) {
		if cp, err := s.Checkpoint(context.Background(), source); err == nil {
			if last = cp; cp.Offset >= bytes {
				return
			}
		}
		select {
		case err := <-done:
			t.Fatalf("collector stopped: %v (offset %d of %d)", err, last.Offset, bytes)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("the source stopped advancing: checkpoint offset %d, want %d", last.Offset, bytes)
}

// A backfill, streamed or not, keeps a record the database refuses (bob's
// stored in_bytes is a hair under the int64 limit) as a dead letter and
// commits the rest of the file with its checkpoint.
func TestBackfillKeepsRefusedRecordsAsDeadLetters(t *testing.T) {
	for _, stream := range []int{0, 1} {
		t.Run(fmt.Sprintf("stream=%d", stream), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				ctx := context.Background()
				hour := time.Date(time.Now().Year(), 11, 28, 10, 0, 0, 0, time.UTC)
				seed := metering.Batch{Counters: []metering.CounterDelta{{Mailbox: "bob@acme.example", Metric: metering.InBytes, Hour: hour, Value: math.MaxInt64 - 5}}}
				if err := s.Commit(ctx, seed); err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(t.TempDir(), "mail.log")
				appendLines(t, path, []byte(delivered("C0DE01", "carol@acme.example", "4321", 1)+
					delivered("C0DE02", "bob@acme.example", "1234", 2)+
					delivered("C0DE03", "dave@acme.example", "99", 3)))
				opts := collect.BackfillOptions{Host: "mx1", Format: collect.FormatPostfix, StreamLines: stream,
					Proc: collect.ProcessorOptions{Location: time.UTC, Delimiter: "+", YearRef: hour}}
				res, err := collect.Backfill(ctx, []string{path}, opts, s, nil, quiet)
				if err != nil {
					t.Fatalf("backfill: %v", err)
				}
				got := totals(t, s)
				if got["carol@acme.example"][metering.InBytes] != 4321 || got["dave@acme.example"][metering.InBytes] != 99 ||
					got["bob@acme.example"][metering.InBytes] != math.MaxInt64-5 || got["bob@acme.example"][metering.InMessages] != 1 {
					t.Errorf("totals %v", got)
				}
				ds, err := s.DeadLetters(ctx, true)
				if err != nil || len(ds) != 1 || ds[0].Source != res[0].Source || ds[0].Describe() != "in_bytes of bob@acme.example in the hour "+hour.Format(time.RFC3339)+": +1234" {
					t.Errorf("dead letters %+v, %v", ds, err)
				}
				if cp, err := s.Checkpoint(ctx, res[0].Source); err != nil || cp.Offset != fileSize(t, path) {
					t.Errorf("checkpoint %+v, %v", cp, err)
				}
			})
		})
	}
}

// outage is a committer whose database can be taken down and brought back.
type outage struct {
	metering.Committer
	down atomic.Bool
}

func (o *outage) Commit(ctx context.Context, b metering.Batch) error {
	if o.down.Load() {
		return metering.Errorf(metering.Unavailable, "database down")
	}
	return o.Committer.Commit(ctx, b)
}

// While a collector waits for its database, its lag keeps growing with the
// log instead of reading 0, and it meters everything once the database is
// back.
func TestLagGrowsWhileTheDatabaseIsDown(t *testing.T) {
	s := storetest.SQLite(t)
	path := filepath.Join(t.TempDir(), "mail.log")
	appendLines(t, path, []byte(delivered("C0DE01", "bob@acme.example", "100", 1)))
	o := &outage{Committer: s}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := collect.LogSource{Name: "mx1:" + path, Path: path, Format: collect.FormatPostfix,
		Proc:          collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"},
		Tail:          tail.Options{PollInterval: 10 * time.Millisecond},
		FlushInterval: 20 * time.Millisecond, BatchLines: 1000}
	r := collect.NewRunner(src, o, nil, quiet, time.Now)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	waitOffset(t, s, src.Name, fileSize(t, path), done)

	o.down.Store(true)
	appendLines(t, path, []byte(delivered("C0DE02", "bob@acme.example", "200", 2)))
	waitCommitErrors(t, r, 1)
	before := fileSize(t, path)
	appendLines(t, path, []byte(delivered("C0DE03", "bob@acme.example", "300", 3)))
	deadline := time.Now().Add(20 * time.Second)
	for r.Stats().Tail.Lag < fileSize(t, path)-before {
		if time.Now().After(deadline) {
			t.Fatalf("lag %d bytes while %d bytes wait unread behind a database outage", r.Stats().Tail.Lag, fileSize(t, path)-before)
		}
		<-time.After(10 * time.Millisecond)
	}
	o.down.Store(false)
	waitOffset(t, s, src.Name, fileSize(t, path), done)
	if got := totals(t, s)["bob@acme.example"][metering.InBytes]; got != 600 {
		t.Errorf("bob in_bytes = %d, want 600", got)
	}
}

func waitCommitErrors(t *testing.T, r *collect.Runner, n int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for r.Stats().CommitErrors < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d commit errors, want %d", r.Stats().CommitErrors, n)
		}
		<-time.After(10 * time.Millisecond)
	}
}

// A live collector that belongs to a log stream keeps a record the database
// refuses as a dead letter, commits the rest, and still advances the
// stream's checkpoint with the source's, so a later backfill of the stream
// continues from it.
func TestLiveCollectorOnAStreamSalvagesRefusedRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		hour := time.Date(time.Now().Year(), 11, 28, 10, 0, 0, 0, time.UTC)
		seed := metering.Batch{Counters: []metering.CounterDelta{{Mailbox: "bob@acme.example", Metric: metering.InBytes, Hour: hour, Value: math.MaxInt64 - 5}}}
		if err := s.Commit(ctx, seed); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "mail.log")
		appendLines(t, path, []byte(delivered("C0DE01", "carol@acme.example", "4321", 1)+delivered("C0DE02", "bob@acme.example", "1234", 2)))
		src := collect.LogSource{Name: "mx1:" + path, Path: path, Stream: collect.StreamName("mx1", path), Format: collect.FormatPostfix,
			Proc:          collect.ProcessorOptions{Location: time.UTC, Delimiter: "+"},
			Tail:          tail.Options{PollInterval: 10 * time.Millisecond},
			FlushInterval: 20 * time.Millisecond, BatchLines: 10000}
		r := collect.NewRunner(src, s, nil, quiet, time.Now)
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		waitOffset(t, s, src.Name, fileSize(t, path), done)

		got := totals(t, s)
		if got["carol@acme.example"][metering.InBytes] != 4321 || got["bob@acme.example"][metering.InBytes] != math.MaxInt64-5 {
			t.Errorf("totals %v", got)
		}
		if ds, err := s.DeadLetters(ctx, true); err != nil || len(ds) != 1 {
			t.Errorf("dead letters %+v, %v; want bob's in_bytes", ds, err)
		}
		cp, err := s.Checkpoint(ctx, "stream:"+src.Stream)
		if err != nil || cp.Seq == 0 || cp.Offset != fileSize(t, path) {
			t.Errorf("stream checkpoint %+v, %v; want it advanced to %d with the source", cp, err, fileSize(t, path))
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("collector: %v", err)
		}
	})
}
