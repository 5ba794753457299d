package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

func TestLimitsRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.GetLimits(ctx, "a@x.example"); metering.KindOf(err) != metering.NotFound {
			t.Fatalf("missing limits: %v", err)
		}
		l := quota.Limits{Mailbox: "a@x.example", StorageSoft: 1, StorageHard: 2, MessagesSoft: 3, MessagesHard: 4,
			OutBytesPerDay: 5, OutRecipientsPerDay: 6, Grace: time.Hour, UpdatedAt: t0}
		if err := s.PutLimits(ctx, l); err != nil {
			t.Fatal(err)
		}
		l.StorageHard, l.UpdatedAt = 20, t0.Add(time.Minute)
		if err := s.PutLimits(ctx, l); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetLimits(ctx, "a@x.example")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(l, got); diff != "" {
			t.Errorf("limits (-put +got):\n%s", diff)
		}
		all, err := s.ListLimits(ctx)
		if err != nil || len(all) != 1 {
			t.Errorf("ListLimits = %+v, %v", all, err)
		}
	})
}
