package store

import (
	"context"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

var _ metering.TrafficStore = (*Store)(nil)

// TrafficHours implements metering.TrafficStore: every counter summed per
// hour over the scope's addresses. Buckets of days and months are summed in
// Go (metering.BucketTraffic), which keeps time zones exact.
func (s *Store) TrafficHours(ctx context.Context, from, to time.Time, scope metering.AddressScope) ([]metering.CounterDelta, error) {
	db := s.db.WithContext(ctx).Table("usage_hours").Where("hour >= ? AND hour < ?", from.Unix(), to.Unix())
	if f := scopeWhere("usage_hours", scope); f != "" {
		db = db.Where(f)
	}
	var rows []hourRow
	if err := db.Select("hour, " + sumColumns()).Group("hour").Order("hour").Scan(&rows).Error; err != nil {
		return nil, translate(err, "sum traffic by hour")
	}
	var out []metering.CounterDelta
	for i := range rows {
		out = rows[i].unpivot(out)
	}
	return out, nil
}

// LatencyHours implements metering.TrafficStore.
func (s *Store) LatencyHours(ctx context.Context, q metering.LatencyQuery) ([]metering.LatencyDelta, error) {
	db := s.db.WithContext(ctx).Where("hour >= ? AND hour < ? AND domain = ?", q.From.Unix(), q.To.Unix(), q.Domain)
	if q.Direction != "" {
		db = db.Where("direction = ?", string(q.Direction))
	}
	var rows []latencyRow
	if err := db.Order("hour, direction, bucket").Find(&rows).Error; err != nil {
		return nil, translate(err, "read latency by hour")
	}
	out := make([]metering.LatencyDelta, len(rows))
	for i, r := range rows {
		out[i] = metering.LatencyDelta{Hour: time.Unix(r.Hour, 0).UTC(), Direction: metering.Direction(r.Direction),
			Domain: r.Domain, Bucket: r.Bucket, Count: r.Count}
	}
	return out, nil
}
