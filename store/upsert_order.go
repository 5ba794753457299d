package store

import (
	"cmp"
	"slices"

	"github.com/mailmeter/mailmeter/metering"
)

// Writers that upsert rows in the same order never deadlock on each
// other's row locks: two PostgreSQL transactions writing overlapping
// (mailbox, hour) rows in different orders (two hosts' logs backfilled in
// parallel, a backfill and a live collector) could each wait on a row the
// other holds. So the upserts write rows in key order.

// byKey sorts hour rows by (mailbox, hour).
func byKey(rows []hourRow) {
	slices.SortFunc(rows, func(a, b hourRow) int {
		return cmp.Or(cmp.Compare(a.Mailbox, b.Mailbox), cmp.Compare(a.Hour, b.Hour))
	})
}

// latencyByKey returns ls sorted by (hour, direction, domain, bucket), a
// copy: the caller's batch keeps its order.
func latencyByKey(ls []metering.LatencyDelta) []metering.LatencyDelta {
	out := slices.Clone(ls)
	slices.SortFunc(out, func(a, b metering.LatencyDelta) int {
		return cmp.Or(a.Hour.Compare(b.Hour), cmp.Compare(a.Direction, b.Direction),
			cmp.Compare(a.Domain, b.Domain), cmp.Compare(a.Bucket, b.Bucket))
	})
	return out
}
