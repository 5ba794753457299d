package directorytest

import (
	"context"
	"testing"

	"github.com/mailmeter/mailmeter/directory"
)

// Seed gives a directory the customer "acme" (EUR, Europe/Berlin, plan
// "basic") owning the domain "acme.example", through svc and so by its
// rules, failing the test if either is refused.
func Seed(t testing.TB, svc *directory.Service) {
	t.Helper()
	ctx := context.Background()
	if _, err := svc.AddCustomer(ctx, directory.CustomerInput{ID: "acme", Name: "Acme", Currency: "eur", Timezone: "Europe/Berlin", Plan: "basic"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddDomain(ctx, directory.DomainInput{Name: "Acme.Example", CustomerID: "acme"}); err != nil {
		t.Fatal(err)
	}
}
