package policy_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/policy"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/store"
)

// countingStore is the real store, counting every call the quota view can
// make to it (the methods of quota.Store and quota.Mailboxes).
type countingStore struct {
	*store.Store
	calls atomic.Int64
}

func (c *countingStore) count() { c.calls.Add(1) }

func (c *countingStore) GetLimits(ctx context.Context, m string) (quota.Limits, error) {
	c.count()
	return c.Store.GetLimits(ctx, m)
}
func (c *countingStore) PutLimits(ctx context.Context, l quota.Limits) error {
	c.count()
	return c.Store.PutLimits(ctx, l)
}
func (c *countingStore) DeleteLimits(ctx context.Context, m string) error {
	c.count()
	return c.Store.DeleteLimits(ctx, m)
}
func (c *countingStore) ListLimits(ctx context.Context) ([]quota.Limits, error) {
	c.count()
	return c.Store.ListLimits(ctx)
}
func (c *countingStore) GetPlanLimits(ctx context.Context, p string) (quota.PlanLimits, error) {
	c.count()
	return c.Store.GetPlanLimits(ctx, p)
}
func (c *countingStore) PutPlanLimits(ctx context.Context, p quota.PlanLimits) error {
	c.count()
	return c.Store.PutPlanLimits(ctx, p)
}
func (c *countingStore) ListPlanLimits(ctx context.Context) ([]quota.PlanLimits, error) {
	c.count()
	return c.Store.ListPlanLimits(ctx)
}
func (c *countingStore) MailboxPlans(ctx context.Context) (map[string]string, error) {
	c.count()
	return c.Store.MailboxPlans(ctx)
}
func (c *countingStore) OverSince(ctx context.Context) (map[string]time.Time, error) {
	c.count()
	return c.Store.OverSince(ctx)
}
func (c *countingStore) MarkOver(ctx context.Context, m string, t time.Time) (time.Time, error) {
	c.count()
	return c.Store.MarkOver(ctx, m, t)
}
func (c *countingStore) ClearOver(ctx context.Context, m string) error {
	c.count()
	return c.Store.ClearOver(ctx, m)
}
func (c *countingStore) CurrentUsage(ctx context.Context, day time.Time) ([]quota.Usage, error) {
	c.count()
	return c.Store.CurrentUsage(ctx, day)
}
func (c *countingStore) GetMailbox(ctx context.Context, a string) (directory.Mailbox, error) {
	c.count()
	return c.Store.GetMailbox(ctx, a)
}
func (c *countingStore) ActiveAddresses(ctx context.Context) ([]string, []string, error) {
	c.count()
	return c.Store.ActiveAddresses(ctx)
}

var (
	_ quota.Store     = (*countingStore)(nil)
	_ quota.Mailboxes = (*countingStore)(nil)
)

// Unknown recipients are decided from the view's directory snapshot: no
// database query, however many distinct addresses a dictionary attack
// tries; with RejectUnknown those in hosted domains are refused.
func TestUnknownRecipientsNeedNoQuery(t *testing.T) {
	w := newWorld(t)
	cs := &countingStore{Store: w.store}
	view := quota.NewView(cs, cs, w.clock.now)
	ctx := context.Background()
	if err := view.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []policy.Options{{Delimiter: "+"}, {Delimiter: "+", RejectUnknown: true}} {
		d := policy.NewDecider(view, opts, w.clock.now)
		cs.calls.Store(0)
		for i := range 1000 {
			for _, rcptTo := range []string{fmt.Sprintf("nobody%d@acme.example", i), fmt.Sprintf("NoBody%d+x@Ü.example.", i),
				fmt.Sprintf("someone%d@remote.example", i)} {
				dec := d.Decide(ctx, rcpt(rcptTo, "", 0))
				hosted := !strings.Contains(rcptTo, "remote")
				wantRefused := opts.RejectUnknown && hosted
				if dec.Check != policy.CheckUnknown || dec.Refused() != wantRefused {
					t.Fatalf("%+v: RCPT TO:<%s> = %q (check %s), want refused=%v", opts, rcptTo, dec.Action, dec.Check, wantRefused)
				}
				if wantRefused && dec.Action != "550 5.1.1 User unknown" {
					t.Fatalf("RCPT TO:<%s> = %q, want 550 5.1.1 User unknown", rcptTo, dec.Action)
				}
			}
		}
		// Known mailboxes are still judged, and mail from a remote
		// sender by a login the directory lacks is not refused.
		if dec := d.Decide(ctx, rcpt("Erin@ACME.example.", "", 0)); dec.Refused() || dec.Check != policy.CheckStorage {
			t.Errorf("%+v: a known mailbox without limits: %q (check %s)", opts, dec.Action, dec.Check)
		}
		if dec := d.Decide(ctx, rcpt("x@remote.example", "stranger@acme.example", 0)); dec.Refused() {
			t.Errorf("%+v: an unknown login sending out: %q", opts, dec.Action)
		}
		if n := cs.calls.Load(); n != 0 {
			t.Errorf("%+v: %d store calls for 3,000 unknown recipients, want none", opts, n)
		}
	}

	// A mailbox added since the last refresh is unknown until the next one
	// (or until the API's quota read finds it in the directory).
	d := policy.NewDecider(view, policy.Options{Delimiter: "+", RejectUnknown: true}, w.clock.now)
	if _, err := w.dir.AddMailbox(ctx, directory.MailboxInput{Address: "new@acme.example"}); err != nil {
		t.Fatal(err)
	}
	if dec := d.Decide(ctx, rcpt("new@acme.example", "", 0)); !dec.Refused() {
		t.Errorf("before the refresh: %q", dec.Action)
	}
	if err := view.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if dec := d.Decide(ctx, rcpt("New@acme.example.", "", 0)); dec.Refused() || dec.Check != policy.CheckStorage {
		t.Errorf("after the refresh: %q (check %s)", dec.Action, dec.Check)
	}
	// The API's quota read warms the view for a mailbox it finds.
	if _, err := w.dir.AddMailbox(ctx, directory.MailboxInput{Address: "newer@acme.example"}); err != nil {
		t.Fatal(err)
	}
	if _, err := quota.NewService(cs, view, cs, w.clock.now).Quota(ctx, "newer@acme.example"); err != nil {
		t.Fatalf("quota of a mailbox added since the refresh: %v", err)
	}
	if dec := d.Decide(ctx, rcpt("newer@acme.example", "", 0)); dec.Refused() {
		t.Errorf("after the API found it: %q", dec.Action)
	}
}

// The full-mailbox text is a template; the figures stay in the log.
func TestFullTextTemplate(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	d := policy.NewDecider(w.view, policy.Options{Delimiter: "+", FullText: "{mailbox} cannot take mail now, try later"}, w.clock.now)
	dec := d.Decide(ctx, rcpt("Alice+x@acme.example.", "", 0))
	if dec.Action != "552 5.2.2 alice@acme.example cannot take mail now, try later" || dec.Detail != "1000 of 1000 bytes used" {
		t.Errorf("templated refusal = %q (detail %q)", dec.Action, dec.Detail)
	}
	for text, ok := range map[string]bool{
		"":                               true,
		"Mailbox is full":                true,
		"Über Quota: {mailbox}":          true,
		"full\r\naction=DUNNO":           false,
		"full\x00":                       false,
		"full ({used} of {limit} bytes)": false,
		"{mailbox":                       false,
		strings.Repeat("x", 201):         false,
	} {
		if err := policy.CheckText(text); (err == nil) != ok {
			t.Errorf("CheckText(%q) = %v, want ok=%v", text, err, ok)
		}
	}
}
