package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// Users sendmail(1) runs as: www-data is trusted, root is not.
const (
	wwwDataUID = 33
	rootUID    = 0
)

// TestPostfixTrustedSenders submits mail that does not authenticate to a
// real Postfix: "sendmail -f" through postdrop and pickup as www-data
// (trusted) and as root (not), and unauthenticated SMTP from 127.0.0.1
// (trusted), one recipient of it refused. Metered with
// metering.trusted_senders, the trusted submissions count for their
// envelope senders, the refusal as the sender's rejected_out, and nothing
// for root's.
func TestPostfixTrustedSenders(t *testing.T) {
	skipWithoutPostfix(t)
	in := startPostfix(t)
	start := time.Now()
	sendmail(t, in, wwwDataUID, "Alice@a.test", []string{"bob@a.test", "x@remote.test"}, 3000)
	sendmail(t, in, rootUID, "alice@a.test", []string{"bob@a.test"}, 500)
	send(t, in, t.TempDir(), 100, message{to: []string{"bob@a.test", "nobody@a.test"}, delivered: []string{"bob@a.test"},
		rejected: []string{"nobody@a.test"}, body: 1500, from: "carol@b.test"})
	waitFor(t, 90*time.Second, "every submission delivered, bounced and removed", func() error {
		s, err := scanSubmissions(in.maillog)
		if err != nil {
			return err
		}
		// 2 sendmail submissions, 1 over SMTP, 1 bounce notice to Alice.
		if len(s.pickups) != 2 || len(s.qmgr) != 4 || len(s.qmgr) != len(s.removed) {
			return fmt.Errorf("%d pickups, %d queued, %d removed", len(s.pickups), len(s.qmgr), len(s.removed))
		}
		return in.queueEmpty()
	})
	scan, err := scanSubmissions(in.maillog)
	if err != nil {
		t.Fatal(err)
	}
	want := scan.expect(t)
	for mb, u := range want {
		t.Logf("expected %-14s %v", mb, u)
	}

	ctx := testContext(t, 2*time.Minute)
	s := storetest.SQLite(t)
	hostDirectory(t, ctx, s)
	opts := collect.BackfillOptions{Host: "e2e", Format: collect.FormatAuto, Proc: procOptions()}
	opts.Proc.Trusted = metering.TrustedSenders{UIDs: []int64{wwwDataUID}, Networks: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	if _, err := collect.Backfill(ctx, []string{in.maillog}, opts, s, nil, testLogger(t)); err != nil {
		t.Fatal(err)
	}
	q := metering.UsageQuery{From: metering.Hour(start).Add(-time.Hour), To: metering.Hour(time.Now()).Add(2 * time.Hour)}
	q.Scope = metering.Hosted
	rows, err := s.Totals(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, storedTotals(rows)); diff != "" {
		t.Errorf("hosted totals (-want +got):\n%s", diff)
	}
	q.Scope = metering.Unknown
	if rows, err = s.Totals(ctx, q); err != nil || len(storedTotals(rows)) != 0 {
		t.Errorf("unknown addresses metered: %v %v (the refused recipient counts for its trusted sender)", storedTotals(rows), err)
	}
}

// sendmail submits a message with "sendmail -f from" as uid, through the
// instance's postdrop and pickup. Postfix lets only root name another
// configuration directory, so sendmail runs in a mount namespace of its
// own where the instance's configuration is bind-mounted on /etc/postfix
// (the machine's stays untouched), with uid's real and group ids.
func sendmail(t *testing.T, in *instance, uid uint32, from string, to []string, body int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id := strconv.Itoa(int(uid))
	script := `mount --bind "$1" /etc/postfix && shift && exec setpriv --reuid="$1" --regid="$1" --clear-groups /usr/sbin/sendmail -f "$2" -- "${@:3}"`
	args := append([]string{"--mount", "--propagation", "private", "bash", "-c", script, "sendmail", in.etc, id, from}, to...)
	cmd := exec.CommandContext(ctx, "unshare", args...)
	cmd.Dir = "/"
	var msg strings.Builder
	fmt.Fprintf(&msg, "From: %s\nTo: %s\nSubject: e2e sendmail as uid %d\n\n", from, strings.Join(to, ", "), uid)
	msg.WriteString(strings.Repeat("sent through pickup\n", body/20))
	cmd.Stdin = strings.NewReader(msg.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sendmail as uid %d: %v\n%s\nmaillog:\n%s", uid, err, out, readTail(in.maillog))
	}
}

// hostDirectory puts the instance's mailboxes into the store's directory.
func hostDirectory(t *testing.T, ctx context.Context, s *store.Store) {
	t.Helper()
	back := time.Now().Add(-24 * time.Hour)
	dir := directory.NewService(s, func() time.Time { return back })
	if _, err := dir.AddCustomer(ctx, directory.CustomerInput{ID: "e2e", Name: "E2E"}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{domainA, domainB} {
		if _, err := dir.AddDomain(ctx, directory.DomainInput{Name: d, CustomerID: "e2e"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, mb := range vmailboxes() {
		if _, err := dir.AddMailbox(ctx, directory.MailboxInput{Address: mb[0]}); err != nil {
			t.Fatal(err)
		}
	}
}

// submissionScan is the test's own reading of the maillog, with
// strings.Fields: who submitted each queue id and what became of it.
type submissionScan struct {
	pickups map[string]int64  // queue id → pickup uid=
	clients map[string]string // queue id → smtpd client=
	qmgr    map[string][2]string
	removed map[string]bool
	lines   [][]string
}

func scanSubmissions(path string) (*submissionScan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := &submissionScan{pickups: map[string]int64{}, clients: map[string]string{}, qmgr: map[string][2]string{}, removed: map[string]bool{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 7 {
			continue
		}
		prog, id, rest := fs[4], strings.TrimSuffix(fs[5], ":"), fs[6:]
		switch {
		case strings.HasPrefix(prog, "postfix/pickup[") && strings.HasPrefix(rest[0], "uid="):
			s.pickups[id], _ = strconv.ParseInt(strings.TrimPrefix(rest[0], "uid="), 10, 64)
		case strings.HasPrefix(prog, "postfix/smtpd[") && strings.HasPrefix(rest[0], "client="):
			s.clients[id] = strings.TrimSuffix(strings.TrimPrefix(rest[0], "client="), ",")
		case strings.HasPrefix(prog, "postfix/qmgr[") && strings.HasPrefix(rest[0], "from="):
			if _, seen := s.qmgr[id]; !seen {
				s.qmgr[id] = [2]string{field(rest, "from="), field(rest, "size=")}
			}
		case strings.HasPrefix(prog, "postfix/qmgr[") && rest[0] == "removed":
			s.removed[id] = true
		}
		s.lines = append(s.lines, fs)
	}
	return s, sc.Err()
}

// expect applies the metering rules to the scan: deliveries to the
// mailboxes; for the trusted submissions (uid 33, client 127.0.0.1) their
// envelope sender's out_* and bounces; refusals of the trusted client for
// its sender (from=).
func (s *submissionScan) expect(t *testing.T) totals {
	t.Helper()
	want := totals{}
	sender := map[string]string{}
	for id, q := range s.qmgr {
		uid, picked := s.pickups[id]
		if picked && uid == wwwDataUID || s.clients[id] == "localhost[127.0.0.1]" {
			sender[id] = mailboxOf(q[0])
		}
	}
	if len(sender) != 2 {
		t.Fatalf("%d trusted submissions in the log, want 2 (sendmail as www-data, SMTP from 127.0.0.1): %v", len(sender), sender)
	}
	nrcpt := map[string]int64{}
	for _, fs := range s.lines {
		prog, id, rest := fs[4], strings.TrimSuffix(fs[5], ":"), fs[6:]
		size, _ := strconv.ParseInt(s.qmgr[id][1], 10, 64)
		switch status := field(rest, "status="); {
		case strings.HasPrefix(prog, "postfix/qmgr[") && strings.HasPrefix(rest[0], "from=") && sender[id] != "" && nrcpt[id] == 0:
			nrcpt[id], _ = strconv.ParseInt(field(rest, "nrcpt="), 10, 64)
			want.add(sender[id], metering.OutMessages, 1)
			want.add(sender[id], metering.OutRecipients, nrcpt[id])
		case status == "sent" && strings.HasPrefix(prog, "postfix/virtual["):
			want.add(mailboxOf(field(rest, "to=")), metering.InMessages, 1)
			want.add(mailboxOf(field(rest, "to=")), metering.InBytes, size)
		case status == "bounced" && sender[id] != "":
			want.add(sender[id], metering.Bounced, 1)
		case strings.HasPrefix(prog, "postfix/smtpd[") && rest[0] == "reject:" && strings.Contains(strings.Join(rest, " "), "from localhost[127.0.0.1]"):
			want.add(mailboxOf(field(rest, "from=")), metering.RejectedOut, 1)
		}
	}
	return want
}
