package directory_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
)

// A customer being removed gets no new domain, and a domain being removed
// no new mailbox, however the two requests interleave: whichever commits
// first wins, the other fails, and nothing active hangs below something
// removed.
func TestRemovalRacesAddition(t *testing.T) {
	eachStore(t, func(t *testing.T, s directory.Store) {
		ctx := context.Background()
		svc := directory.NewService(s, clock)
		for i := range 12 {
			cust, dom := fmt.Sprintf("c%d", i), fmt.Sprintf("d%d.example", i)
			if _, err := svc.AddCustomer(ctx, directory.CustomerInput{ID: cust, Name: cust}); err != nil {
				t.Fatal(err)
			}
			var addErr, removeErr error
			race(func() { _, addErr = svc.AddDomain(ctx, directory.DomainInput{Name: dom, CustomerID: cust}) },
				func() { removeErr = svc.RemoveCustomer(ctx, cust) })
			_, custErr := s.GetCustomer(ctx, cust)
			_, domErr := s.GetDomain(ctx, dom)
			switch {
			case addErr == nil && removeErr == nil:
				t.Fatalf("%s: both the domain's addition and the customer's removal succeeded", cust)
			case addErr == nil && (custErr != nil || domErr != nil || metering.KindOf(removeErr) != metering.Conflict):
				t.Fatalf("%s: domain added, then removal = %v; customer %v, domain %v", cust, removeErr, custErr, domErr)
			case removeErr == nil && (metering.KindOf(custErr) != metering.NotFound || metering.KindOf(domErr) != metering.NotFound):
				t.Fatalf("%s: customer removed, then addition = %v; customer %v, domain %v", cust, addErr, custErr, domErr)
			}
			if addErr != nil {
				continue
			}
			mb := "m@" + dom
			race(func() { _, addErr = svc.AddMailbox(ctx, directory.MailboxInput{Address: mb}) },
				func() { removeErr = svc.RemoveDomain(ctx, dom) })
			_, domErr = s.GetDomain(ctx, dom)
			_, mbErr := s.GetMailbox(ctx, mb)
			if (addErr == nil) == (removeErr == nil) || (addErr == nil) != (domErr == nil && mbErr == nil) {
				t.Fatalf("%s: add mailbox %v, remove domain %v; then domain %v, mailbox %v", dom, addErr, removeErr, domErr, mbErr)
			}
		}
	})
}

// race runs the functions at once and waits for them.
func race(fns ...func()) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, f := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f()
		}()
	}
	close(start)
	wg.Wait()
}
