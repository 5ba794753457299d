package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// textControls are control characters the directory must refuse.
var textControls = []string{"\x00", "\n", "\r", "\t", "\x1b", "\x7f", "\u0085"}

// The directory service refuses control characters in every field it is
// given (the CLI and the CSV import go through it), naming the field, and
// writes nothing.
func TestDirectoryRefusesControlCharacters(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, s *store.Store, dsn string) {
		ctx := context.Background()
		svc := directory.NewService(s, clock)
		seed(t, svc)
		if _, err := svc.AddMailbox(ctx, directory.MailboxInput{Address: "bob@acme.example"}); err != nil {
			t.Fatal(err)
		}
		before := storetest.Contents(t, dsn)
		for _, c := range textControls {
			bad := func(s string) string { return s[:1] + c + s[1:] }
			str := func(s string) *string { return &s }
			calls := []struct {
				field string
				call  func() error
			}{
				{"id", func() error {
					_, err := svc.AddCustomer(ctx, directory.CustomerInput{ID: bad("new"), Name: "N"})
					return err
				}},
				{"name", func() error {
					_, err := svc.AddCustomer(ctx, directory.CustomerInput{ID: "new", Name: bad("New")})
					return err
				}},
				{"currency", func() error {
					_, err := svc.AddCustomer(ctx, directory.CustomerInput{ID: "new", Name: "N", Currency: bad("EUR")})
					return err
				}},
				{"timezone", func() error {
					_, err := svc.AddCustomer(ctx, directory.CustomerInput{ID: "new", Name: "N", Timezone: bad("UTC")})
					return err
				}},
				{"plan", func() error {
					_, err := svc.AddCustomer(ctx, directory.CustomerInput{ID: "new", Name: "N", Plan: bad("gold")})
					return err
				}},
				{"name", func() error {
					_, err := svc.UpdateCustomer(ctx, "acme", directory.CustomerPatch{Name: str(bad("Acme"))})
					return err
				}},
				{"id", func() error { _, err := svc.UpdateCustomer(ctx, bad("acme"), directory.CustomerPatch{}); return err }},
				{"id", func() error { return svc.RemoveCustomer(ctx, bad("acme")) }},
				{"domain", func() error {
					_, err := svc.AddDomain(ctx, directory.DomainInput{Name: bad("new.example"), CustomerID: "acme"})
					return err
				}},
				{"customer", func() error {
					_, err := svc.AddDomain(ctx, directory.DomainInput{Name: "new.example", CustomerID: bad("acme")})
					return err
				}},
				{"customer", func() error { _, err := svc.MoveDomain(ctx, "acme.example", bad("acme")); return err }},
				{"domain", func() error { return svc.RemoveDomain(ctx, bad("acme.example")) }},
				{"address", func() error {
					_, err := svc.AddMailbox(ctx, directory.MailboxInput{Address: `"a` + c + `b"@acme.example`})
					return err
				}},
				{"address", func() error { return svc.RemoveMailbox(ctx, bad("bob@acme.example"), t0) }},
			}
			for i, k := range calls {
				err := k.call()
				if metering.KindOf(err) != metering.Invalid || metering.FieldOf(err) != k.field || !strings.Contains(err.Error(), "control character") {
					t.Errorf("call %d with %q: err %v (field %q), want invalid naming %s", i, c, err, metering.FieldOf(err), k.field)
				}
			}
		}
		if diff := cmp.Diff(before, storetest.Contents(t, dsn)); diff != "" {
			t.Errorf("refused calls changed the database (-before +after):\n%s", diff)
		}
	})
}

// A CSV import rejects the rows holding a control character, by line and
// field, and imports the others.
func TestImportRefusesControlCharacters(t *testing.T) {
	const csv = "address,customer,customer_name,plan\n" +
		"ok@acme.example,acme,,\n" +
		"\"\"\"a\nb\"\"@acme.example\",acme,,\n" + // a quoted local part across two lines
		"nul@acme.example,ac\x00me,,\n" +
		"esc@acme.example,acme,Acme \x1b[31mred,\n" +
		"tab@acme.example,acme,,gold\tplus\n" +
		"ok2@acme.example,acme,,\n"
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc := directory.NewService(s, clock)
		rows, bad, err := directory.ParseCSV(strings.NewReader(csv), t0)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := svc.Import(ctx, rows, bad)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rep.Rejected {
			got = append(got, fmt.Sprintf("%d:%s:%s", r.Line, metering.KindOf(r.Err), metering.FieldOf(r.Err)))
		}
		want := []string{"3:invalid:address", "5:invalid:customer", "6:invalid:customer_name", "7:invalid:plan"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("rejected rows (-want +got):\n%s\n%v", diff, rep.Rejected)
		}
		if rep.Created != 2 {
			t.Errorf("created %d, want 2", rep.Created)
		}
		ms, err := s.ListMailboxes(ctx, directory.MailboxFilter{Domain: "acme.example"}, directory.Page{Limit: 10})
		if err != nil || len(ms) != 2 {
			t.Errorf("mailboxes = %+v, %v; want ok and ok2 only", ms, err)
		}
	})
}
