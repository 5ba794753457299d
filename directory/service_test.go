package directory_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/directory/directorytest"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// eachStore runs fn on the in-memory store and on both databases: the
// directory's rules hold on every Store.
func eachStore(t *testing.T, fn func(t *testing.T, s directory.Store)) {
	t.Run("memory", func(t *testing.T) { fn(t, directorytest.NewStore()) })
	storetest.Each(t, func(t *testing.T, s *store.Store) { fn(t, s) })
}

// seed gives the store the customer acme owning acme.example.
func seed(t *testing.T, svc *directory.Service) { directorytest.Seed(t, svc) }

func TestDirectoryCreateListRemove(t *testing.T) {
	eachStore(t, func(t *testing.T, s directory.Store) {
		ctx := context.Background()
		svc := directory.NewService(s, clock)
		seed(t, svc)
		c, err := s.GetCustomer(ctx, "acme")
		if err != nil || c.Currency != "EUR" || c.Timezone != "Europe/Berlin" || c.Plan != "basic" {
			t.Fatalf("GetCustomer = %+v, %v", c, err)
		}
		for _, a := range []string{"Bob@Acme.example", "alice@acme.example", "carol@acme.example"} {
			if _, err := svc.AddMailbox(ctx, directory.MailboxInput{Address: a}); err != nil {
				t.Fatalf("add %s: %v", a, err)
			}
		}
		back := t0.Add(-30 * 24 * time.Hour)
		m, err := svc.AddMailbox(ctx, directory.MailboxInput{Address: "dave@acme.example", Created: back})
		if err != nil || !m.CreatedAt.Equal(back) {
			t.Fatalf("back-dated mailbox = %+v, %v", m, err)
		}
		page1, err := s.ListMailboxes(ctx, directory.MailboxFilter{Domain: "acme.example"}, directory.Page{Limit: 2})
		if err != nil || len(page1) != 2 || page1[0].Address != "alice@acme.example" || page1[1].Address != "bob@acme.example" {
			t.Fatalf("page 1 = %+v, %v", page1, err)
		}
		page2, _ := s.ListMailboxes(ctx, directory.MailboxFilter{CustomerID: "acme"}, directory.Page{After: page1[1].Address, Limit: 10})
		if len(page2) != 2 || page2[0].Address != "carol@acme.example" {
			t.Fatalf("page 2 = %+v", page2)
		}
		at := t0.Add(time.Hour)
		if err := svc.RemoveMailbox(ctx, "BOB@acme.example", at); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetMailbox(ctx, "bob@acme.example"); metering.KindOf(err) != metering.NotFound {
			t.Fatalf("removed mailbox still found: %v", err)
		}
		all, _ := s.ListMailboxes(ctx, directory.MailboxFilter{IncludeDeleted: true}, directory.Page{})
		var removed *directory.Mailbox
		for i := range all {
			if all[i].Address == "bob@acme.example" {
				removed = &all[i]
			}
		}
		if removed == nil || removed.DeletedAt == nil || !removed.DeletedAt.Equal(at) {
			t.Fatalf("removed mailbox kept for history = %+v", removed)
		}
		if err := svc.RemoveMailbox(ctx, "bob@acme.example", at); metering.KindOf(err) != metering.NotFound {
			t.Fatalf("second remove: %v", err)
		}
		// The address can live again after removal.
		if _, err := svc.AddMailbox(ctx, directory.MailboxInput{Address: "bob@acme.example"}); err != nil {
			t.Fatalf("re-add: %v", err)
		}
	})
}

func TestDirectoryErrors(t *testing.T) {
	eachStore(t, func(t *testing.T, s directory.Store) {
		ctx := context.Background()
		svc := directory.NewService(s, clock)
		seed(t, svc)
		_, err := svc.AddCustomer(ctx, directory.CustomerInput{ID: "acme", Name: "Again"})
		if metering.KindOf(err) != metering.Conflict {
			t.Errorf("duplicate customer: %v", err)
		}
		_, err = svc.AddDomain(ctx, directory.DomainInput{Name: "acme.example", CustomerID: "acme"})
		if metering.KindOf(err) != metering.Conflict {
			t.Errorf("duplicate domain: %v", err)
		}
		_, err = svc.AddDomain(ctx, directory.DomainInput{Name: "other.example", CustomerID: "nobody"})
		if metering.KindOf(err) != metering.NotFound || metering.FieldOf(err) != "customer" {
			t.Errorf("domain of unknown customer: %v", err)
		}
		if _, err := svc.AddMailbox(ctx, directory.MailboxInput{Address: "x@acme.example"}); err != nil {
			t.Fatal(err)
		}
		_, err = svc.AddMailbox(ctx, directory.MailboxInput{Address: "X@ACME.example"})
		if metering.KindOf(err) != metering.Conflict || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("duplicate address: %v", err)
		}
		for _, bad := range []string{"no-at-sign", "a@@b", "@acme.example", "a b@acme.example", "a@-bad-.example", "a..b@acme.example", ""} {
			_, err := svc.AddMailbox(ctx, directory.MailboxInput{Address: bad})
			if metering.KindOf(err) != metering.Invalid || metering.FieldOf(err) != "address" {
				t.Errorf("bad address %q: %v", bad, err)
			}
		}
		_, err = svc.AddMailbox(ctx, directory.MailboxInput{Address: "y@unknown.example"})
		if metering.KindOf(err) != metering.NotFound || !strings.Contains(err.Error(), "domain unknown.example does not exist") {
			t.Errorf("mailbox in unknown domain: %v", err)
		}
		_, err = svc.AddCustomer(ctx, directory.CustomerInput{ID: "c2", Name: "C", Timezone: "Mars/Olympus"})
		if metering.FieldOf(err) != "timezone" {
			t.Errorf("bad timezone: %v", err)
		}
	})
}

const importCSV = `address,customer,customer_name,currency,timezone,created_at
alice@one.example,one,One Ltd,GBP,Europe/London,2026-01-01T00:00:00Z
bob@one.example,one,One Ltd,GBP,Europe/London,
not-an-address,one,One Ltd,,,
carol@two.example,two,,,,
dave@one.example,two,,,,
erin@one.example,one,,,,yesterday
frank@nowhere.example,,,,,
`

func TestDirectoryImport(t *testing.T) {
	eachStore(t, func(t *testing.T, s directory.Store) {
		ctx := context.Background()
		svc := directory.NewService(s, clock)
		run := func() directory.ImportReport {
			rows, bad, err := directory.ParseCSV(strings.NewReader(importCSV), t0)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := svc.Import(ctx, rows, bad)
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}
		rep := run()
		if rep.Created != 3 || rep.Unchanged != 0 {
			t.Errorf("first import: created %d unchanged %d, want 3 and 0", rep.Created, rep.Unchanged)
		}
		var lines []string
		for _, r := range rep.Rejected {
			lines = append(lines, fmt.Sprintf("%d:%s", r.Line, metering.KindOf(r.Err)))
		}
		want := "4:invalid 6:conflict 7:invalid 8:not_found"
		if got := strings.Join(lines, " "); got != want {
			t.Errorf("rejected rows = %s, want %s (%v)", got, want, rep.Rejected)
		}
		c, err := s.GetCustomer(ctx, "one")
		if err != nil || c.Currency != "GBP" || c.Name != "One Ltd" {
			t.Errorf("imported customer = %+v, %v", c, err)
		}
		m, err := s.GetMailbox(ctx, "alice@one.example")
		if err != nil || !m.CreatedAt.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("imported mailbox = %+v, %v", m, err)
		}
		rep2 := run()
		if rep2.Created != 0 || rep2.Unchanged != 3 || len(rep2.Rejected) != 4 {
			t.Errorf("re-import: %+v, want nothing created", rep2)
		}
		all, _ := s.ListMailboxes(ctx, directory.MailboxFilter{IncludeDeleted: true}, directory.Page{})
		if len(all) != 3 {
			t.Errorf("mailboxes after two imports = %d, want 3", len(all))
		}
	})
}

func TestImportHeaderErrors(t *testing.T) {
	for _, in := range []string{"", "customer\nx\n", "address,colour\na@b.c,red\n"} {
		if _, _, err := directory.ParseCSV(strings.NewReader(in), t0); err == nil {
			t.Errorf("ParseCSV(%q) accepted a bad header", in)
		}
	}
}
