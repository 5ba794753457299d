package store_test

import (
	"context"
	"testing"

	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

func TestMigrateTwiceIsNoop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		// storetest already migrated once.
		again, err := s.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != 0 {
			t.Fatalf("second migrate applied %d migrations, want 0", len(again))
		}
		st, err := s.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st) < 2 {
			t.Fatalf("status lists %d migrations, want at least 2", len(st))
		}
		for _, m := range st {
			if m.AppliedAt == nil {
				t.Errorf("migration %s pending after migrate", m.Name)
			}
		}
		if n, _ := s.Pending(ctx); n != 0 {
			t.Errorf("Pending = %d", n)
		}
	})
}
