package store

import (
	"gorm.io/gorm"

	"github.com/mailmeter/mailmeter/metering"
)

// On PostgreSQL a batch is written with one statement per table whose rows
// come from unnest() over array parameters: no per-row parameters, no
// statement size limit, and a fraction of the round trips of multi-row
// INSERTs. The merge rules are those of the portable upserts.
var pgGauges = `INSERT INTO usage_gauges (mailbox, folder, metric, hour, last, max, observed_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
ON CONFLICT (mailbox, folder, metric, hour) DO UPDATE SET
  ` + setClause(usageGaugesMerge)

const (
	pgLatency = `INSERT INTO latency_buckets (hour, direction, domain, bucket, count)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::bigint[])
ON CONFLICT (hour, direction, domain, bucket) DO UPDATE SET count = latency_buckets.count + excluded.count`
)

func upsertPostgres(tx *gorm.DB, b metering.Batch) error {
	if err := upsertCountersPostgres(tx, b.Counters); err != nil {
		return err
	}
	if n := len(b.Gauges); n > 0 {
		mb, folder, met := make([]string, n), make([]string, n), make([]string, n)
		hour, last, max, at := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		for i, g := range b.Gauges {
			mb[i], folder[i], met[i] = g.Mailbox, g.Folder, string(g.Metric)
			hour[i], last[i], max[i], at[i] = g.Hour.Unix(), g.Last, g.Max, g.ObservedAt.UnixNano()
		}
		if err := tx.Exec(pgGauges, mb, folder, met, hour, last, max, at).Error; err != nil {
			return err
		}
	}
	if n := len(b.Latency); n > 0 {
		ls := latencyByKey(b.Latency)
		hour, dir, dom, bucket, count := make([]int64, n), make([]string, n), make([]string, n), make([]int32, n), make([]int64, n)
		for i, l := range ls {
			hour[i], dir[i], dom[i], bucket[i], count[i] = l.Hour.Unix(), string(l.Direction), l.Domain, int32(l.Bucket), l.Count
		}
		return tx.Exec(pgLatency, hour, dir, dom, bucket, count).Error
	}
	return nil
}
