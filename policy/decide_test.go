package policy_test

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/policy"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// clock is a settable time source shared by the view and the decider.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var t0 = time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)

// world is a real SQLite store with a directory, limits and usage, and the
// in-memory quota view loaded from it, as serve runs it.
type world struct {
	view  *quota.View
	clock *clock
	store *store.Store
	dir   *directory.Service
}

func newWorld(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	s := storetest.SQLite(t)
	clk := &clock{t: t0}
	dir := directory.NewService(s, clk.now)
	if _, err := dir.AddCustomer(ctx, directory.CustomerInput{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	if _, err := dir.AddDomain(ctx, directory.DomainInput{Name: "acme.example", CustomerID: "acme"}); err != nil {
		t.Fatal(err)
	}
	// An IDN domain, added by its U-label: the directory stores the A-label.
	if _, err := dir.AddDomain(ctx, directory.DomainInput{Name: "ü.example", CustomerID: "acme"}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"alice", "bob", "carol", "dave", "erin", "frank", "gina", "max", "eternal", "longgrace"} {
		if _, err := dir.AddMailbox(ctx, directory.MailboxInput{Address: m + "@acme.example", Created: t0.Add(-48 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := dir.AddMailbox(ctx, directory.MailboxInput{Address: "Hans@Ü.example", Created: t0.Add(-48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	view := quota.NewView(s, s, clk.now)
	qs := quota.NewService(s, view, s, clk.now)
	for _, l := range []quota.LimitsInput{
		{Mailbox: "alice@acme.example", StorageSoft: 800, StorageHard: 1000},
		{Mailbox: "bob@acme.example", MessagesHard: 10},
		{Mailbox: "carol@acme.example", StorageHard: 1000, GraceSeconds: 3600},
		{Mailbox: "dave@acme.example", OutRecipientsPerDay: 5, OutBytesPerDay: 10_000},
		{Mailbox: "frank@acme.example", StorageHard: 1000},
		{Mailbox: "gina@acme.example", OutRecipientsPerDay: 50, OutRecipientsPerMonth: 20},
		{Mailbox: "hans@xn--tda.example", StorageHard: 1000},
		// Limits near 2^63.
		{Mailbox: "max@acme.example", StorageHard: math.MaxInt64, OutBytesPerDay: math.MaxInt64 - 1, OutRecipientsPerDay: math.MaxInt64},
		{Mailbox: "eternal@acme.example", StorageHard: 1000, GraceSeconds: math.MaxInt64},
		{Mailbox: "longgrace@acme.example", StorageHard: 1000, GraceSeconds: 1 << 62},
	} {
		if _, err := qs.SetLimits(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	hour := t0.Add(-2 * time.Hour)
	gauge := func(m string, metric metering.Metric, v int64) metering.GaugeDelta {
		return metering.GaugeDelta{Mailbox: m + "@acme.example", Metric: metric, Hour: hour, Last: v, Max: v, ObservedAt: hour}
	}
	b := metering.Batch{
		Gauges: []metering.GaugeDelta{
			gauge("alice", metering.StorageBytes, 1000), gauge("bob", metering.StorageMessages, 10),
			gauge("carol", metering.StorageBytes, 1200), gauge("erin", metering.StorageBytes, 5),
			gauge("frank", metering.StorageBytes, 900),
			{Mailbox: "hans@xn--tda.example", Metric: metering.StorageBytes, Hour: hour, Last: 1000, Max: 1000, ObservedAt: hour},
			gauge("max", metering.StorageBytes, 1000), gauge("eternal", metering.StorageBytes, 2000), gauge("longgrace", metering.StorageBytes, 2000),
		},
		Counters: []metering.CounterDelta{
			{Mailbox: "dave@acme.example", Metric: metering.OutRecipients, Hour: hour, Value: 4},
			{Mailbox: "dave@acme.example", Metric: metering.OutBytes, Hour: hour, Value: 9_000},
			// Yesterday's sending does not count today.
			{Mailbox: "erin@acme.example", Metric: metering.OutRecipients, Hour: hour.Add(-24 * time.Hour), Value: 1000},
			// Earlier this month: it counts for the month.
			{Mailbox: "gina@acme.example", Metric: metering.OutRecipients, Hour: hour.Add(-5 * 24 * time.Hour), Value: 20},
			{Mailbox: "max@acme.example", Metric: metering.OutBytes, Hour: hour, Value: 1000},
			{Mailbox: "max@acme.example", Metric: metering.OutRecipients, Hour: hour, Value: 5},
		},
	}
	if err := s.Commit(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := view.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	return &world{view: view, clock: clk, store: s, dir: dir}
}

func rcpt(recipient, sasl string, size int64) policy.Request {
	return policy.Request{Request: "smtpd_access_policy", ProtocolState: "RCPT", Recipient: recipient, SASLUsername: sasl, Size: size}
}

func TestDecide(t *testing.T) {
	w := newWorld(t)
	d := policy.NewDecider(w.view, policy.Options{Delimiter: "+"}, w.clock.now)
	ctx := context.Background()
	tests := []struct {
		name   string
		req    policy.Request
		prefix string // of the action
		check  string
		detail string // the figures, for the log
	}{
		{"storage at hard limit", rcpt("alice@acme.example", "", 0), "552 5.2.2 Mailbox is full", policy.CheckStorage, "1000 of 1000 bytes used"},
		{"tagged, mixed case", rcpt("<Alice+lists@ACME.example>", "", 0), "552 5.2.2 Mailbox is full", policy.CheckStorage, ""},
		{"message limit", rcpt("bob@acme.example", "", 0), "552 5.2.2 Mailbox is full", policy.CheckMessages, "10 of 10 messages"},
		{"over but in grace", rcpt("carol@acme.example", "", 0), "DUNNO", policy.CheckStorage, ""},
		{"fits", rcpt("frank@acme.example", "", 100), "DUNNO", policy.CheckStorage, ""},
		{"does not fit", rcpt("frank@acme.example", "", 101), "552 5.2.2 Mailbox is full", policy.CheckStorage, "a 101-byte message does not fit in the 100 bytes left"},
		{"no limits", rcpt("erin@acme.example", "", 1<<30), "DUNNO", policy.CheckStorage, ""},
		{"unknown mailbox", rcpt("nobody@acme.example", "", 0), "DUNNO", policy.CheckUnknown, ""},
		{"remote recipient", rcpt("someone@remote.example", "", 0), "DUNNO", policy.CheckUnknown, ""},
		{"sender under its recipient limit", rcpt("someone@remote.example", "dave@acme.example", 500), "DUNNO", policy.CheckUnknown, ""},
		{"sender over its bytes with this size", rcpt("someone@remote.example", "dave@acme.example", 1001), "452 4.7.1 Daily sending limit of <dave@acme.example> reached", policy.CheckOutbound, ""},
		{"sender to a full local mailbox", rcpt("alice@acme.example", "dave@acme.example", 0), "552 5.2.2 Mailbox is full", policy.CheckStorage, ""},
		{"login without a domain is not judged", rcpt("someone@remote.example", "dave", 1<<20), "DUNNO", policy.CheckUnknown, ""},
		{"yesterday's sending does not count", rcpt("someone@remote.example", "erin@acme.example", 0), "DUNNO", policy.CheckUnknown, ""},
		{"sender at its monthly limit", rcpt("someone@remote.example", "gina@acme.example", 0), "452 4.7.1 Monthly sending limit of <gina@acme.example> reached (20 of 20 recipients this month", policy.CheckOutbound, ""},
		{"end of message within bytes", policy.Request{ProtocolState: "END-OF-MESSAGE", SASLUsername: "dave@acme.example", Size: 300, RecipientCount: 3}, "DUNNO", policy.CheckOutbound, ""},
		{"end of message over bytes", policy.Request{ProtocolState: "END-OF-MESSAGE", SASLUsername: "dave@acme.example", Size: 400, RecipientCount: 3}, "452 4.7.1 Daily sending limit of <dave@acme.example>", policy.CheckOutbound, ""},
		{"other states", policy.Request{Request: "smtpd_access_policy", ProtocolState: "CONNECT", Recipient: "alice@acme.example"}, "DUNNO", policy.CheckNone, ""},
		{"other request types", policy.Request{Request: "something_else", ProtocolState: "RCPT", Recipient: "alice@acme.example"}, "DUNNO", policy.CheckNone, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec := d.Decide(ctx, tt.req)
			if !strings.HasPrefix(dec.Action, tt.prefix) || dec.Check != tt.check {
				t.Errorf("Decide = %q (check %s), want %q… (check %s)", dec.Action, dec.Check, tt.prefix, tt.check)
			}
			if dec.Refused() != (tt.prefix != "DUNNO") {
				t.Errorf("Refused() = %v for %q", dec.Refused(), dec.Action)
			}
			if tt.detail != "" && dec.Detail != tt.detail {
				t.Errorf("Detail = %q, want %q", dec.Detail, tt.detail)
			}
			if dec.Refused() && (dec.Check == policy.CheckStorage || dec.Check == policy.CheckMessages) && dec.Text != policy.DefaultFullText {
				// A remote sender is not told how full the mailbox is.
				t.Errorf("refusal text %q, want %q", dec.Text, policy.DefaultFullText)
			}
		})
	}

	if dec := d.Decide(ctx, rcpt("<Alice+lists@ACME.example>", "", 0)); dec.Mailbox != "alice@acme.example" {
		t.Errorf("tagged recipient judged as %q", dec.Mailbox)
	}

	// The fifth recipient of the day is dave's last.
	if dec := d.Decide(ctx, rcpt("x@remote.example", "dave@acme.example", 0)); dec.Refused() {
		t.Errorf("5th recipient refused: %q", dec.Action)
	}
	w.view.Apply(metering.Batch{Counters: []metering.CounterDelta{{Mailbox: "dave@acme.example", Metric: metering.OutRecipients, Hour: metering.Hour(t0), Value: 1}}})
	if dec := d.Decide(ctx, rcpt("x@remote.example", "dave@acme.example", 0)); !strings.HasPrefix(dec.Action, "452 4.7.1") || !strings.Contains(dec.Action, "5 of 5 recipients") || !strings.Contains(dec.Action, "2026-11-11T00:00:00Z") {
		t.Errorf("6th recipient: %q", dec.Action)
	}

	// Grace ends an hour after the view saw carol over her limit; a new
	// day resets dave's sending.
	w.clock.set(t0.Add(61 * time.Minute))
	if dec := d.Decide(ctx, rcpt("carol@acme.example", "", 0)); !strings.HasPrefix(dec.Action, "552 5.2.2 Mailbox is full") || dec.Mailbox != "carol@acme.example" {
		t.Errorf("after grace: %q", dec.Action)
	}
	w.clock.set(t0.Add(13 * time.Hour))
	if dec := d.Decide(ctx, rcpt("x@remote.example", "dave@acme.example", 0)); dec.Refused() {
		t.Errorf("next day: %q", dec.Action)
	}

	// Deferring instead of rejecting full mailboxes.
	dd := policy.NewDecider(w.view, policy.Options{Delimiter: "+", Defer: true}, w.clock.now)
	if dec := dd.Decide(ctx, rcpt("alice@acme.example", "", 0)); !strings.HasPrefix(dec.Action, "452 4.2.2 Mailbox is full") {
		t.Errorf("defer mode: %q", dec.Action)
	}
}

// Recipients the policy let through count against their sender's limit
// until metering has them: a burst cannot slip past it meanwhile.
func TestInFlightRecipientsCount(t *testing.T) {
	w := newWorld(t) // dave: 4 of 5 recipients today, metered
	d := policy.NewDecider(w.view, policy.Options{Delimiter: "+", InFlight: 30 * time.Second}, w.clock.now)
	ctx := context.Background()
	if dec := d.Decide(ctx, rcpt("x@remote.example", "dave@acme.example", 0)); dec.Refused() {
		t.Fatalf("5th recipient: %q", dec.Action)
	}
	// Not metered yet, but let through: the 6th is deferred.
	if dec := d.Decide(ctx, rcpt("y@remote.example", "dave@acme.example", 0)); !strings.HasPrefix(dec.Action, "452 4.7.1") || !strings.Contains(dec.Action, "5 of 5 recipients") {
		t.Errorf("6th recipient in the same burst: %q", dec.Action)
	}
	// A refused recipient is not counted; other senders are not affected.
	if dec := d.Decide(ctx, rcpt("alice@acme.example", "erin@acme.example", 0)); !dec.Refused() {
		t.Fatalf("full mailbox: %q", dec.Action)
	}
	if dec := d.Decide(ctx, rcpt("z@remote.example", "erin@acme.example", 0)); dec.Refused() {
		t.Errorf("another sender: %q", dec.Action)
	}
	// After the window the metered figure alone counts again.
	w.clock.set(t0.Add(31 * time.Second))
	if dec := d.Decide(ctx, rcpt("y@remote.example", "dave@acme.example", 0)); dec.Refused() {
		t.Errorf("after the window: %q", dec.Action)
	}
}
