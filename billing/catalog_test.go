package billing_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// The configured plans are imported once, as versions from the epoch;
// the database's plans are then its own.
func TestCatalogSeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cat := billing.NewCatalog(s, func() time.Time { return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) })
		gold := billing.Plan{Name: "gold", Currency: "EUR", MonthlyFee: 900, StoragePooled: true,
			StorageTiers: []billing.Tier{{UpToGB: 10, PerGB: 10}, {PerGB: 5}}}
		rep, err := cat.Seed(ctx, []billing.Plan{plan(), gold})
		if err != nil || !cmp.Equal(rep.Imported, []string{"standard", "gold"}) {
			t.Fatalf("first seed: %+v, %v", rep, err)
		}
		rep, err = cat.Seed(ctx, []billing.Plan{plan(), gold})
		if err != nil || len(rep.Imported) != 0 || !cmp.Equal(rep.Kept, []string{"standard", "gold"}) {
			t.Errorf("second seed: %+v, %v", rep, err)
		}
		vs, err := cat.Versions(ctx, "standard")
		if err != nil || len(vs) != 1 || !vs[0].EffectiveFrom.Equal(billing.Epoch) || !cmp.Equal(vs[0].Plan, plan()) {
			t.Errorf("stored: %+v, %v", vs, err)
		}
		if vs, _ := cat.Versions(ctx, "gold"); len(vs) != 1 || !cmp.Equal(vs[0].Plan, gold) {
			t.Errorf("stored tiers and pooling: %+v", vs)
		}
		dearer := plan()
		dearer.MonthlyFee = 600
		if rep, _ := cat.Seed(ctx, []billing.Plan{dearer}); !cmp.Equal(rep.Differs, []string{"standard"}) {
			t.Errorf("a differing seed: %+v", rep)
		}
		if vs, _ := cat.Versions(ctx, "standard"); vs[0].MonthlyFee != 500 {
			t.Errorf("a differing seed changed the database: %+v", vs[0].Plan)
		}
		if ok, err := cat.PlanExists(ctx, "gold"); !ok || err != nil {
			t.Errorf("gold exists: %v %v", ok, err)
		}
		if ok, err := cat.PlanExists(ctx, "platinum"); ok || err != nil {
			t.Errorf("platinum exists: %v %v", ok, err)
		}
	})
}

// Versions are appended: a day before the latest is refused, as is the
// latest's own day once in force; a scheduled version may be corrected.
// Two concurrent adds of one plan: one wins, the other is a conflict.
func TestCatalogVersions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cat := billing.NewCatalog(s, func() time.Time { return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) })
		if _, err := cat.Add(ctx, billing.PlanInput{ID: "p", Currency: "EUR", MailboxFee: "1.00", Effective: "2026-11-01"}); err != nil {
			t.Fatal(err)
		}
		update := func(fee, day string) error {
			_, err := cat.Update(ctx, "p", billing.PlanInput{MailboxFee: fee, Effective: day})
			return err
		}
		if err := update("2.00", "2026-10-31"); metering.FieldOf(err) != "effective" {
			t.Errorf("a version before the first: %v", err)
		}
		if err := update("2.00", "2026-11-01"); metering.FieldOf(err) != "effective" {
			t.Errorf("replacing a version in force: %v", err)
		}
		if err := update("2.00", "2027-01-01"); err != nil {
			t.Fatal(err)
		}
		if err := update("2.50", "2027-01-01"); err != nil {
			t.Errorf("correcting a scheduled version: %v", err)
		}
		if err := update("3.00", ""); metering.FieldOf(err) != "effective" {
			t.Errorf("a version from today, before the scheduled one: %v", err)
		}
		vs, _ := cat.Versions(ctx, "p")
		if len(vs) != 2 || vs[1].MonthlyFee != 250 {
			t.Errorf("versions %+v", vs)
		}
		for day, want := range map[string]billing.Money{"2026-11-30": 100, "2027-01-01": 250, "2030-01-01": 250} {
			d, _ := time.Parse(time.DateOnly, day)
			if v, ok := billing.InForce(vs, d); !ok || v.MonthlyFee != want {
				t.Errorf("in force on %s: %+v", day, v.Plan)
			}
		}
		if _, ok := billing.InForce(vs, time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)); ok {
			t.Error("a version in force before the first")
		}
		if list, err := cat.List(ctx, directory.Page{}); err != nil || len(list) != 1 || list[0].MonthlyFee != 100 {
			t.Errorf("list: %+v %v", list, err)
		}

		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = cat.Add(ctx, billing.PlanInput{ID: "race", Currency: "EUR", MailboxFee: "1.00"})
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch metering.KindOf(err) {
			case "":
				won++
			case metering.Conflict:
			default:
				t.Errorf("concurrent add: %v", err)
			}
		}
		if won != 1 {
			t.Errorf("%d concurrent adds won: %v", won, errs)
		}
	})
}
