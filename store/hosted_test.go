package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// ActiveAddresses lists the directory the quota view keeps in memory: active
// mailboxes and domains in canonical form, removed ones left out.
func TestActiveAddresses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc := directory.NewService(s, clock)
		seed(t, svc) // customer acme, domain acme.example
		for _, d := range []string{"Ü.example.", "gone.example"} {
			if _, err := svc.AddDomain(ctx, directory.DomainInput{Name: d, CustomerID: "acme"}); err != nil {
				t.Fatal(err)
			}
		}
		for _, a := range []string{"Alice@ACME.example.", "hans@ü.example", "left@acme.example"} {
			if _, err := svc.AddMailbox(ctx, directory.MailboxInput{Address: a}); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.RemoveMailbox(ctx, "left@acme.example", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := svc.RemoveDomain(ctx, "gone.example"); err != nil {
			t.Fatal(err)
		}
		mailboxes, domains, err := s.ActiveAddresses(ctx)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(mailboxes)
		slices.Sort(domains)
		if want := []string{"alice@acme.example", "hans@xn--tda.example"}; !slices.Equal(mailboxes, want) {
			t.Errorf("mailboxes = %q, want %q", mailboxes, want)
		}
		if want := []string{"acme.example", "xn--tda.example"}; !slices.Equal(domains, want) {
			t.Errorf("domains = %q, want %q", domains, want)
		}
	})
}
