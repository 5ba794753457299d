package directory_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
)

// Customers and domains are updated and removed (softly) by the rules of
// directory.Store: removal waits until nothing active hangs below, a removed
// customer's id is not reused, a removed domain can come back.
func TestDirectoryUpdateAndRemove(t *testing.T) {
	eachStore(t, func(t *testing.T, s directory.Store) {
		ctx := context.Background()
		svc := directory.NewService(s, clock)
		seed(t, svc)
		if _, err := svc.AddCustomer(ctx, directory.CustomerInput{ID: "globex", Name: "Globex"}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddMailbox(ctx, directory.MailboxInput{Address: "bob@acme.example"}); err != nil {
			t.Fatal(err)
		}

		// Update: partial, normalized, validated; CreatedAt kept.
		c, err := svc.UpdateCustomer(ctx, "acme", directory.CustomerPatch{Name: ptr("Acme GmbH"), Currency: ptr("chf")})
		if err != nil || c.Name != "Acme GmbH" || c.Currency != "CHF" || c.Timezone != "Europe/Berlin" || c.Plan != "basic" {
			t.Fatalf("UpdateCustomer = %+v, %v", c, err)
		}
		if got, _ := s.GetCustomer(ctx, "acme"); got != c || !got.CreatedAt.Equal(t0) {
			t.Errorf("stored customer = %+v, want %+v", got, c)
		}
		if _, err := svc.UpdateCustomer(ctx, "acme", directory.CustomerPatch{Timezone: ptr("Mars/Olympus")}); metering.KindOf(err) != metering.Invalid {
			t.Errorf("bad timezone: %v", err)
		}
		if _, err := svc.UpdateCustomer(ctx, "nobody", directory.CustomerPatch{Name: ptr("x")}); metering.KindOf(err) != metering.NotFound {
			t.Errorf("update of a missing customer: %v", err)
		}

		// A customer owning domains, a domain with active mailboxes: refused.
		if err := svc.RemoveCustomer(ctx, "acme"); metering.KindOf(err) != metering.Conflict || !strings.Contains(err.Error(), "acme.example") {
			t.Errorf("remove customer with domains: %v", err)
		}
		if err := svc.RemoveDomain(ctx, "acme.example"); metering.KindOf(err) != metering.Conflict {
			t.Errorf("remove domain with mailboxes: %v", err)
		}

		// Move the domain: the mailbox follows it.
		if d, err := svc.MoveDomain(ctx, "ACME.example", "globex"); err != nil || d.CustomerID != "globex" {
			t.Fatalf("MoveDomain = %+v, %v", d, err)
		}
		if ms, _ := s.ListMailboxes(ctx, directory.MailboxFilter{CustomerID: "globex"}, directory.Page{}); len(ms) != 1 {
			t.Errorf("globex's mailboxes after the move = %+v", ms)
		}
		if _, err := svc.MoveDomain(ctx, "acme.example", "nobody"); metering.KindOf(err) != metering.NotFound {
			t.Errorf("move to a missing customer: %v", err)
		}
		if _, err := svc.MoveDomain(ctx, "nowhere.example", "acme"); metering.KindOf(err) != metering.NotFound {
			t.Errorf("move a missing domain: %v", err)
		}

		// Now acme owns nothing: it can go, and its id stays taken.
		if err := svc.RemoveCustomer(ctx, "acme"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetCustomer(ctx, "acme"); metering.KindOf(err) != metering.NotFound {
			t.Errorf("removed customer still found: %v", err)
		}
		if cs, _ := s.ListCustomers(ctx, directory.Page{}); len(cs) != 1 || cs[0].ID != "globex" {
			t.Errorf("customers after removal = %+v", cs)
		}
		if _, err := svc.AddCustomer(ctx, directory.CustomerInput{ID: "acme", Name: "New Acme"}); metering.KindOf(err) != metering.Conflict || !strings.Contains(err.Error(), "not reused") {
			t.Errorf("re-adding a removed customer id: %v", err)
		}
		if err := svc.RemoveCustomer(ctx, "acme"); metering.KindOf(err) != metering.NotFound {
			t.Errorf("removing twice: %v", err)
		}
		if _, err := svc.AddDomain(ctx, directory.DomainInput{Name: "late.example", CustomerID: "acme"}); metering.KindOf(err) != metering.NotFound {
			t.Errorf("domain for a removed customer: %v", err)
		}

		// The domain goes once its mailbox has; mailboxes cannot be added to
		// it; adding it again (to another customer) revives it.
		if err := svc.RemoveMailbox(ctx, "bob@acme.example", t0); err != nil {
			t.Fatal(err)
		}
		if err := svc.RemoveDomain(ctx, "acme.example"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetDomain(ctx, "acme.example"); metering.KindOf(err) != metering.NotFound {
			t.Errorf("removed domain still found: %v", err)
		}
		if ds, _ := s.ListDomains(ctx, "", directory.Page{}); len(ds) != 0 {
			t.Errorf("domains after removal = %+v", ds)
		}
		if _, err := svc.AddMailbox(ctx, directory.MailboxInput{Address: "carol@acme.example"}); metering.KindOf(err) != metering.NotFound {
			t.Errorf("mailbox in a removed domain: %v", err)
		}
		if ms, _ := s.ListMailboxes(ctx, directory.MailboxFilter{Domain: "acme.example", IncludeDeleted: true}, directory.Page{}); len(ms) != 1 {
			t.Errorf("history of the removed domain = %+v", ms)
		}
		d, err := svc.AddDomain(ctx, directory.DomainInput{Name: "acme.example", CustomerID: "globex"})
		if err != nil || d.CustomerID != "globex" {
			t.Fatalf("re-adding a removed domain = %+v, %v", d, err)
		}
		if _, err := svc.AddMailbox(ctx, directory.MailboxInput{Address: "carol@acme.example"}); err != nil {
			t.Errorf("mailbox in the revived domain: %v", err)
		}
		if err := svc.RemoveDomain(ctx, "bad domain"); metering.KindOf(err) != metering.Invalid {
			t.Errorf("remove a malformed domain: %v", err)
		}
	})
}
