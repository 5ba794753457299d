package collect_test

import (
	"context"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/metering/tail"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// Health joins the stored checkpoints (of any process) with what the
// sources this process runs know: lag, unknown lines, commits.
func TestHealthSources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, src := range []string{"mx2:/var/log/mail.log", "mx1:/var/log/mail.log"} {
			if err := s.Commit(ctx, metering.Batch{Checkpoint: &metering.Checkpoint{Source: src, Seq: 1, Offset: 100}}); err != nil {
				t.Fatal(err)
			}
		}
		stored, err := s.Checkpoints(ctx)
		if err != nil {
			t.Fatal(err)
		}
		now := stored[0].UpdatedAt.Add(90 * time.Second)
		live := func() []collect.SourceStats {
			return []collect.SourceStats{{Source: "mx1:/var/log/mail.log", Path: "/var/log/mail.log", Format: "postfix",
				Tail:    tail.Stats{Lag: 4096, Lines: 50},
				Proc:    metering.ProcessorStats{Unknown: map[string]int64{"noqueue-format": 3, "no-program": 2}, NewestLog: now.Add(-7 * time.Second), Open: 4},
				Commits: 1, Seq: 1, LagSeconds: 7},
				{Source: "new:/var/log/exim.log", Format: "exim", LagSeconds: -1}}
		}
		got, err := collect.NewHealth(s, live, func() time.Time { return now }).Sources(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0].Source != "mx1:/var/log/mail.log" || got[1].Source != "mx2:/var/log/mail.log" || got[2].Source != "new:/var/log/exim.log" {
			t.Fatalf("sources = %+v", got)
		}
		mx1, mx2, fresh := got[0], got[1], got[2]
		if !mx1.Live || mx1.LagBytes != 4096 || mx1.LagSeconds != 7 || mx1.UnknownLines != 5 || mx1.Unknown["no-program"] != 2 || mx1.Offset != 100 || mx1.Open != 4 {
			t.Errorf("mx1 = %+v", mx1)
		}
		if mx2.Live || mx2.LagSeconds != -1 || mx2.Seq != 1 || mx2.CheckpointAge < 89*time.Second || mx2.CheckpointAge > 91*time.Second {
			t.Errorf("mx2 (stored only, committed 90 s ago) = %+v", mx2)
		}
		if !fresh.Live || !fresh.CheckpointAt.IsZero() || fresh.CheckpointAge != 0 || fresh.LagSeconds != -1 {
			t.Errorf("a live source with no commit yet = %+v", fresh)
		}
	})
}
