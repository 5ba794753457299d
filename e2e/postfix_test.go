package e2e

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/metering"
)

// totals is usage per mailbox, without zero values.
type totals map[string]map[metering.Metric]int64

func (tt totals) add(mailbox string, m metering.Metric, v int64) {
	if tt[mailbox] == nil {
		tt[mailbox] = map[metering.Metric]int64{}
	}
	tt[mailbox][m] += v
}

// expectation is what the metering of the test's mail must give.
type expectation struct {
	usage      totals
	deliveries int64            // final local deliveries: one inbound latency sample each
	sizes      map[string]int64 // queue id → qmgr size= (read by the test)
	query      metering.UsageQuery
}

// TestPostfix sends mail with swaks through a real Postfix delivering to
// Maildirs, meters its log with the live collector, a backfill and the
// CLI, scans the Maildirs, and checks every total exactly against what was
// sent and what the log says independently of the project's parser.
func TestPostfix(t *testing.T) {
	skipWithoutPostfix(t)
	in := startPostfix(t)
	start := time.Now()
	live := startCollector(t, in.maillog) // tails the log while mail is sent
	dir := t.TempDir()
	var msgs []sent
	for i, m := range plan() {
		msgs = append(msgs, send(t, in, dir, i, m))
	}
	t.Logf("the collector committed %d batches while the mail was sent", live.runner.Stats().Commits)
	scan := waitDelivered(t, in, msgs)
	want := expect(t, msgs, scan)
	want.query = metering.UsageQuery{From: metering.Hour(start).Add(-time.Hour), To: metering.Hour(time.Now()).Add(2 * time.Hour)}
	t.Logf("sent %d messages in %s; maillog: %d lines, %d deliveries, %d bounced, %d rejected RCPT",
		len(msgs), time.Since(start).Round(time.Millisecond), scan.lines, len(scan.deliveries), scan.bounced, len(scan.rejects))
	for _, mb := range slices.Sorted(maps.Keys(want.usage)) {
		t.Logf("expected %-14s %v", mb, want.usage[mb])
	}

	t.Run("collector", func(t *testing.T) { live.check(t, want) })
	t.Run("backfill", func(t *testing.T) { checkBackfill(t, in.maillog, want) })
	t.Run("maildir", func(t *testing.T) { checkMaildirs(t, in.vmail, want) })
	t.Run("cli", func(t *testing.T) { checkCLI(t, in.maillog, want) })
}

// waitDelivered waits until every queued message has its final status and
// was removed from the queue, the queue is empty and each delivery's file
// is in its Maildir; it returns the scan of the log at that point.
func waitDelivered(t *testing.T, in *instance, msgs []sent) *logScan {
	t.Helper()
	var deliveries int
	for _, s := range msgs {
		deliveries += len(s.delivered)
	}
	var scan *logScan
	waitFor(t, 90*time.Second, "every message delivered or bounced", func() error {
		var err error
		if scan, err = scanMaillog(in.maillog); err != nil {
			return err
		}
		for _, s := range msgs {
			if s.queueID != "" && !scan.removed[s.queueID] {
				return fmt.Errorf("%s (to %v) not removed from the queue yet", s.queueID, s.to)
			}
		}
		if p := scan.pending(); len(p) > 0 {
			return fmt.Errorf("still queued: %v", p)
		}
		if len(scan.deliveries) != deliveries {
			return fmt.Errorf("%d deliveries logged, want %d", len(scan.deliveries), deliveries)
		}
		if n := countFiles(t, in.vmail); n != deliveries {
			return fmt.Errorf("%d files in the Maildirs, want %d", n, deliveries)
		}
		return in.queueEmpty()
	})
	return scan
}

// expect derives the expected usage from what was sent, with the sizes
// Postfix logged, after checking the log agrees with the plan.
func expect(t *testing.T, msgs []sent, scan *logScan) expectation {
	t.Helper()
	want := expectation{usage: totals{}, sizes: scan.sizes}
	var planned, logged []string
	var rejected []string
	var bounced int
	for _, s := range msgs {
		for _, mb := range s.delivered {
			size, ok := scan.sizes[s.queueID]
			if !ok {
				t.Fatalf("no qmgr size= logged for %s (to %v)", s.queueID, s.to)
			}
			want.usage.add(mb, metering.InMessages, 1)
			want.usage.add(mb, metering.InBytes, size)
			want.deliveries++
			planned = append(planned, s.queueID+" "+mb)
		}
		for _, r := range s.rejected {
			want.usage.add(r, metering.RejectedIn, 1)
			rejected = append(rejected, r)
		}
		bounced += s.bounced
		checkSize(t, s, scan)
	}
	for _, d := range scan.deliveries {
		logged = append(logged, d.queueID+" "+mailboxOf(d.to))
	}
	slices.Sort(planned)
	slices.Sort(logged)
	if diff := cmp.Diff(planned, logged); diff != "" {
		t.Errorf("deliveries (queue id, mailbox) planned vs logged (-plan +log):\n%s", diff)
	}
	slices.Sort(rejected)
	slices.Sort(scan.rejects)
	if diff := cmp.Diff(rejected, scan.rejects); diff != "" {
		t.Errorf("RCPT rejects planned vs logged (-plan +log):\n%s", diff)
	}
	// Each bounce sends a notice to the remote sender, which bounces too
	// (default_transport is error:) and, having the null sender, ends there.
	if scan.bounced != 2*bounced || scan.deferred != 0 {
		t.Errorf("log has %d bounced and %d deferred lines, want %d and 0", scan.bounced, scan.deferred, 2*bounced)
	}
	return want
}

// checkSize checks the size Postfix logged for a queued message is what
// swaks sent (Postfix counts lines with CRLF, as on the wire) plus a few
// hundred bytes: the Received: header it adds.
func checkSize(t *testing.T, s sent, scan *logScan) {
	t.Helper()
	if s.queueID == "" {
		return
	}
	size := scan.sizes[s.queueID]
	t.Logf("message %s to %v: swaks sent %d bytes, qmgr size=%d (+%d)", s.queueID, s.to, s.data, size, size-int64(s.data))
	if extra := size - int64(s.data); extra < 0 || extra > 400 {
		t.Errorf("message %s: qmgr size=%d, swaks sent %d bytes: want size = sent + 0..400", s.queueID, size, s.data)
	}
}

// mailboxOf is the test's own mailbox of an address: lower case, "+tag"
// stripped.
func mailboxOf(addr string) string {
	addr = strings.ToLower(addr)
	local, domain, _ := strings.Cut(addr, "@")
	local, _, _ = strings.Cut(local, "+")
	return local + "@" + domain
}

// countFiles counts the files in the new/ and cur/ directories of the
// Maildirs below root (domain/user/).
func countFiles(t *testing.T, root string) int {
	t.Helper()
	var n int
	for _, sub := range []string{"new", "cur"} {
		files, err := filepath.Glob(filepath.Join(root, "*", "*", sub, "*"))
		if err != nil {
			t.Fatal(err)
		}
		n += len(files)
	}
	return n
}

// storedTotals turns store totals into totals without zero values.
func storedTotals(rows []metering.MailboxTotals) totals {
	got := totals{}
	for _, r := range rows {
		for m, v := range r.Values {
			if v != 0 {
				got.add(r.Mailbox, m, v)
			}
		}
	}
	return got
}

// fileSize returns the size of a file.
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// testContext returns a context ending with the test or after d.
func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}
