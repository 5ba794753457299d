package store_test

import (
	"context"
	"testing"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

func TestCommitRangeRecordsAppliedRanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cp := func(seq, off int64) *metering.Checkpoint {
			return &metering.Checkpoint{Source: "mx1:/var/log/mail.log", Seq: seq, Offset: off}
		}
		if err := s.CommitRange(ctx, metering.Batch{Checkpoint: cp(1, 100)}, 0); err != nil {
			t.Fatal(err)
		}
		err := s.CommitRange(ctx, metering.Batch{Checkpoint: cp(1, 100)}, 0)
		if metering.KindOf(err) != metering.Conflict || metering.FieldOf(err) != "seq" {
			t.Errorf("same seq again: %v, want a seq conflict", err)
		}
		for _, c := range []struct {
			seq, from, to int64
			want          bool
		}{{1, 0, 100, true}, {0, 0, 100, true}, {2, 0, 100, false}, {0, 0, 50, false}} {
			got, err := s.Applied(ctx, "mx1:/var/log/mail.log", c.seq, c.from, c.to)
			if err != nil || got != c.want {
				t.Errorf("Applied(seq %d, [%d, %d)) = %v, %v; want %v", c.seq, c.from, c.to, got, err, c.want)
			}
		}
		if err := s.CommitRange(ctx, metering.Batch{}, 0); metering.KindOf(err) != metering.Invalid {
			t.Errorf("batch without checkpoint: %v", err)
		}
	})
}
