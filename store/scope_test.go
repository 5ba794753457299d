package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// seedScope gives the store a directory (customer c: x.example with
// a@x.example active and r@x.example removed) and usage of those two and
// of addresses the directory never held: an unknown recipient of a hosted
// domain, a foreign sender and a login without @.
func seedScope(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	back := t0.Add(-60 * 24 * time.Hour)
	dir := directory.NewService(s, func() time.Time { return back })
	if _, err := dir.AddCustomer(ctx, directory.CustomerInput{ID: "c", Name: "C"}); err != nil {
		t.Fatal(err)
	}
	if _, err := dir.AddDomain(ctx, directory.DomainInput{Name: "x.example", CustomerID: "c"}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"a@x.example", "r@x.example"} {
		if _, err := dir.AddMailbox(ctx, directory.MailboxInput{Address: a}); err != nil {
			t.Fatal(err)
		}
	}
	if err := dir.RemoveMailbox(ctx, "r@x.example", t0.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	err := s.Commit(ctx, metering.Batch{Counters: []metering.CounterDelta{
		{Mailbox: "a@x.example", Metric: metering.InBytes, Hour: t0, Value: 10},
		{Mailbox: "r@x.example", Metric: metering.InBytes, Hour: t0.Add(-48 * time.Hour), Value: 20},
		{Mailbox: "nosuch@x.example", Metric: metering.RejectedIn, Hour: t0, Value: 3},
		{Mailbox: "nosuch@x.example", Metric: metering.TempfailedIn, Hour: t0, Value: 1},
		{Mailbox: "s@foreign.example", Metric: metering.RejectedIn, Hour: t0, Value: 2},
		{Mailbox: "jdoe", Metric: metering.OutMessages, Hour: t0, Value: 1},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// hosted puts addresses into the directory (customer "h", their domains
// created as needed): usage reports show the directory's mailboxes.
func hosted(t *testing.T, s *store.Store, addrs ...string) {
	t.Helper()
	ctx := context.Background()
	back := t0.Add(-60 * 24 * time.Hour)
	dir := directory.NewService(s, func() time.Time { return back })
	if _, err := s.GetCustomer(ctx, "h"); err != nil {
		if _, err := dir.AddCustomer(ctx, directory.CustomerInput{ID: "h", Name: "H"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range addrs {
		d := metering.DomainOf(a)
		if _, err := s.GetDomain(ctx, d); err != nil {
			if _, err := dir.AddDomain(ctx, directory.DomainInput{Name: d, CustomerID: "h"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := dir.AddMailbox(ctx, directory.MailboxInput{Address: a}); err != nil {
			t.Fatal(err)
		}
	}
}

func mailboxesOf(ts []metering.MailboxTotals) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Mailbox)
	}
	return out
}

// Usage is read for the directory's mailboxes (removed ones included), for
// the addresses it never held, or for every address.
func TestTotalsByAddressScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		seedScope(t, s)
		ctx := context.Background()
		q := metering.UsageQuery{From: t0.Add(-72 * time.Hour), To: t0.Add(time.Hour)}
		for _, c := range []struct {
			name  string
			scope metering.AddressScope
			dom   []string
			want  []string
		}{
			{"hosted", metering.Hosted, nil, []string{"a@x.example", "r@x.example"}},
			{"unknown", metering.Unknown, nil, []string{"jdoe", "nosuch@x.example", "s@foreign.example"}},
			{"unknown of a domain", metering.Unknown, []string{"x.example"}, []string{"nosuch@x.example"}},
			{"any", metering.AnyAddress, nil, []string{"a@x.example", "jdoe", "nosuch@x.example", "r@x.example", "s@foreign.example"}},
		} {
			q.Scope, q.Domains = c.scope, c.dom
			got, err := s.Totals(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, mailboxesOf(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c.name, diff)
			}
		}
	})
}

// A domain's breakdown lists the directory's mailboxes only: its unknown
// recipients are not mixed into the customer's figures.
func TestBreakdownIsHostedOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		seedScope(t, s)
		bd, err := s.Breakdown(context.Background(), metering.BreakdownQuery{From: t0.Add(-72 * time.Hour), To: t0.Add(time.Hour), Domains: []string{"x.example"}})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"a@x.example", "r@x.example"}, mailboxesOf(bd)); diff != "" {
			t.Errorf("breakdown (-want +got):\n%s", diff)
		}
	})
}
