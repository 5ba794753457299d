package directory_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return t0 }

func ptr(s string) *string { return &s }

// A customer is created, updated or imported only with a plan the
// configuration defines (or none); one whose plan was dropped from the
// configuration can still be changed otherwise.
func TestPlanMustBeDefined(t *testing.T) {
	eachStore(t, func(t *testing.T, s directory.Store) {
		ctx := context.Background()
		svc := directory.NewService(s, clock).WithPlans(directory.PlanNames{"standard", "gold"})
		undefined := func(what string, err error) {
			t.Helper()
			if metering.KindOf(err) != metering.Invalid || metering.FieldOf(err) != "plan" || !strings.Contains(err.Error(), `"platinum"`) {
				t.Errorf("%s: want an invalid plan naming it, got %v", what, err)
			}
		}
		_, err := svc.AddCustomer(ctx, directory.CustomerInput{ID: "acme", Name: "Acme", Plan: "platinum"})
		undefined("add", err)
		if _, err := s.GetCustomer(ctx, "acme"); metering.KindOf(err) != metering.NotFound {
			t.Fatalf("refused customer was stored: %v", err)
		}
		for _, p := range []string{"standard", ""} {
			if _, err := svc.AddCustomer(ctx, directory.CustomerInput{ID: "c-" + p, Name: "C", Plan: p}); err != nil {
				t.Errorf("add with plan %q: %v", p, err)
			}
		}
		_, err = svc.UpdateCustomer(ctx, "c-standard", directory.CustomerPatch{Plan: ptr("platinum")})
		undefined("update", err)
		if c, _ := s.GetCustomer(ctx, "c-standard"); c.Plan != "standard" {
			t.Errorf("refused update changed the plan to %q", c.Plan)
		}
		if c, err := svc.UpdateCustomer(ctx, "c-standard", directory.CustomerPatch{Plan: ptr("gold")}); err != nil || c.Plan != "gold" {
			t.Errorf("update to a defined plan = %+v, %v", c, err)
		}

		// A plan dropped from the configuration after it was given: the
		// customer keeps it and can be renamed, not given it again.
		directory.NewService(s, clock).AddCustomer(ctx, directory.CustomerInput{ID: "old", Name: "Old", Plan: "platinum"})
		if c, err := svc.UpdateCustomer(ctx, "old", directory.CustomerPatch{Name: ptr("Old Ltd")}); err != nil || c.Plan != "platinum" {
			t.Errorf("renaming a customer on a dropped plan = %+v, %v", c, err)
		}
		_, err = svc.UpdateCustomer(ctx, "old", directory.CustomerPatch{Plan: ptr("platinum")})
		undefined("setting a dropped plan again", err)

		rows, bad, err := directory.ParseCSV(strings.NewReader("address,customer,plan\na@one.example,one,platinum\nb@two.example,two,gold\n"), t0)
		if err != nil || len(bad) != 0 {
			t.Fatal(err, bad)
		}
		rep, err := svc.Import(ctx, rows, bad)
		if err != nil || rep.Created != 1 || len(rep.Rejected) != 1 || rep.Rejected[0].Line != 2 {
			t.Fatalf("import = %+v, %v", rep, err)
		}
		undefined("import", rep.Rejected[0].Err)
		if _, err := s.GetCustomer(ctx, "one"); metering.KindOf(err) != metering.NotFound {
			t.Errorf("the rejected row's customer was created: %v", err)
		}
	})
}

// A plan change is recorded from its day: a first plan applies to every
// month, a later change from today or the day given (never after today);
// the customer's plan is the latest.
func TestPlanHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc := directory.NewService(s, clock).WithPlans(directory.PlanNames{"basic", "pro"}).WithPlanHistory(s)
		day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
		if _, err := svc.AddCustomer(ctx, directory.CustomerInput{ID: "acme", Name: "Acme"}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.UpdateCustomer(ctx, "acme", directory.CustomerPatch{Plan: ptr("basic")}); err != nil {
			t.Fatal(err)
		}
		c, err := svc.UpdateCustomer(ctx, "acme", directory.CustomerPatch{Plan: ptr("pro"), PlanEffective: day(10, 16)})
		if err != nil || c.Plan != "pro" {
			t.Fatalf("change = %+v, %v", c, err)
		}
		// Back to basic from today (t0 is November 1st), then a correction
		// of October 16th's change: pro from the 20th instead.
		svc.UpdateCustomer(ctx, "acme", directory.CustomerPatch{Plan: ptr("basic")})
		svc.UpdateCustomer(ctx, "acme", directory.CustomerPatch{Plan: ptr("pro"), PlanEffective: day(10, 20)})
		h, err := s.PlanChanges(ctx, "acme")
		want := []directory.PlanChange{{Plan: "basic", EffectiveFrom: directory.PlanEpoch}, {Plan: "pro", EffectiveFrom: day(10, 16)},
			{Plan: "pro", EffectiveFrom: day(10, 20)}, {Plan: "basic", EffectiveFrom: day(11, 1)}}
		if err != nil || fmt.Sprint(h) != fmt.Sprint(want) {
			t.Errorf("history %v, %v; want %v", h, err, want)
		}
		if c, _ := s.GetCustomer(ctx, "acme"); c.Plan != "basic" {
			t.Errorf("current plan %q, want the latest change's", c.Plan)
		}
		_, err = svc.UpdateCustomer(ctx, "acme", directory.CustomerPatch{Plan: ptr("pro"), PlanEffective: day(11, 2)})
		if metering.FieldOf(err) != "effective" || !strings.Contains(err.Error(), "2026-11-01 or earlier") {
			t.Errorf("a change from tomorrow: %v", err)
		}
		if _, err := svc.UpdateCustomer(ctx, "acme", directory.CustomerPatch{Name: ptr("Acme Ltd"), PlanEffective: day(10, 1)}); metering.FieldOf(err) != "effective" {
			t.Errorf("an effective day without a plan: %v", err)
		}
		if c, _ := s.GetCustomer(ctx, "acme"); c.Name != "Acme" || c.Plan != "basic" {
			t.Errorf("refused changes changed %+v", c)
		}
		if _, err := s.PlanChanges(ctx, "nobody"); err != nil {
			t.Errorf("history of no customer: %v", err)
		}
		if err := s.ChangePlan(ctx, "nobody", directory.PlanChange{Plan: "pro", EffectiveFrom: day(10, 1)}); metering.KindOf(err) != metering.NotFound {
			t.Errorf("a change of no customer: %v", err)
		}
	})
}
