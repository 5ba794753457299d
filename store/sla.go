package store

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/sla"
)

var _ sla.Store = (*Store)(nil)

type probeCheckRow struct {
	Probe     string `gorm:"column:probe;primaryKey"`
	AtMs      int64  `gorm:"column:at_ms;primaryKey"`
	Up        bool   `gorm:"column:up"`
	LatencyMs int64  `gorm:"column:latency_ms"`
	Error     string `gorm:"column:error"`
}

func (probeCheckRow) TableName() string { return "probe_checks" }

type slaSettledRow struct {
	Service     string `gorm:"column:service;primaryKey"`
	SettledFrom int64  `gorm:"column:settled_from"`
	SettledTo   int64  `gorm:"column:settled_to"`
}

func (slaSettledRow) TableName() string { return "sla_settled" }

type slaIntervalRow struct {
	Service string `gorm:"column:service;primaryKey"`
	StartAt int64  `gorm:"column:start_at;primaryKey"`
	EndAt   int64  `gorm:"column:end_at"`
	State   string `gorm:"column:state"`
}

func (slaIntervalRow) TableName() string { return "sla_intervals" }

// maxCheckError bounds the stored reason of a failed check.
const maxCheckError = 300

// insertChecks stores probe checks; one stored already (same probe and
// millisecond) is kept as it is.
func insertChecks(tx *gorm.DB, cs []metering.ProbeCheck) error {
	if len(cs) == 0 {
		return nil
	}
	rows := make([]probeCheckRow, len(cs))
	for i, c := range cs {
		e := c.Error
		if len(e) > maxCheckError {
			e = e[:maxCheckError]
		}
		rows[i] = probeCheckRow{c.Probe, c.At.UnixMilli(), c.Up, c.Latency.Milliseconds(), e}
	}
	return tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, upsertBatch).Error
}

// Checks implements sla.Store. A month of a check a minute is tens of
// thousands of rows per probe: they are scanned without reflection.
func (s *Store) Checks(ctx context.Context, targets []string, from, to time.Time) ([]sla.Check, error) {
	rows, err := s.db.WithContext(ctx).Model(&probeCheckRow{}).Select("probe, at_ms, up").
		Where("probe IN ? AND at_ms >= ? AND at_ms < ?", targets, from.UnixMilli(), to.UnixMilli()).Order("at_ms, probe").Rows()
	if err != nil {
		return nil, translate(err, "read probe checks")
	}
	defer rows.Close()
	var out []sla.Check
	for rows.Next() {
		var c sla.Check
		var ms int64
		if err := rows.Scan(&c.Target, &ms, &c.Up); err != nil {
			return nil, translate(err, "read probe checks")
		}
		c.At = time.UnixMilli(ms).UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "read probe checks")
	}
	return out, nil
}

// FirstCheck implements sla.Store.
func (s *Store) FirstCheck(ctx context.Context, targets []string) (time.Time, bool, error) {
	var first sql.NullInt64
	err := s.db.WithContext(ctx).Model(&probeCheckRow{}).Where("probe IN ?", targets).Select("MIN(at_ms)").Scan(&first).Error
	if err != nil {
		return time.Time{}, false, translate(err, "read the first probe check")
	}
	if !first.Valid {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(first.Int64).UTC(), true, nil
}

// PruneChecks implements sla.Store.
func (s *Store) PruneChecks(ctx context.Context, before time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("at_ms < ?", before.UnixMilli()).Delete(&probeCheckRow{})
	if res.Error != nil {
		return 0, translate(res.Error, "prune probe checks")
	}
	return res.RowsAffected, nil
}

// Settled implements sla.Store.
func (s *Store) Settled(ctx context.Context, service string) (sla.Settled, error) {
	var rows []slaSettledRow
	if err := s.db.WithContext(ctx).Where("service = ?", service).Find(&rows).Error; err != nil {
		return sla.Settled{}, translate(err, "read settled range of %s", service)
	}
	if len(rows) == 0 {
		return sla.Settled{}, nil
	}
	return sla.Settled{Since: time.Unix(rows[0].SettledFrom, 0).UTC(), Until: time.Unix(rows[0].SettledTo, 0).UTC()}, nil
}

// SettledIntervals implements sla.Store.
func (s *Store) SettledIntervals(ctx context.Context, service string, from, to time.Time) ([]sla.StateInterval, error) {
	var rows []slaIntervalRow
	err := s.db.WithContext(ctx).Where("service = ? AND end_at > ? AND start_at < ?", service, from.Unix(), to.Unix()).
		Order("start_at").Find(&rows).Error
	if err != nil {
		return nil, translate(err, "read intervals of %s", service)
	}
	out := make([]sla.StateInterval, len(rows))
	for i, r := range rows {
		st := sla.Down
		if r.State == sla.Unknown.String() {
			st = sla.Unknown
		}
		out[i] = sla.StateInterval{Interval: sla.Interval{Start: time.Unix(r.StartAt, 0).UTC(), End: time.Unix(r.EndAt, 0).UTC()}, State: st}
	}
	return out, nil
}

// Settle implements sla.Store: the settled range moves by compare-and-set
// (a concurrent settler's update is waited for and then not matched), and
// the intervals land with it.
func (s *Store) Settle(ctx context.Context, service string, prev, next sla.Settled, ivs []sla.StateInterval) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row := slaSettledRow{service, next.Since.Unix(), next.Until.Unix()}
		var res *gorm.DB
		if prev.Until.IsZero() {
			res = tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		} else {
			res = tx.Model(&slaSettledRow{}).Where("service = ? AND settled_from = ? AND settled_to = ?", service, prev.Since.Unix(), prev.Until.Unix()).
				Updates(map[string]any{"settled_from": row.SettledFrom, "settled_to": row.SettledTo})
		}
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return metering.Errorf(metering.Conflict, "service %s was settled by another process meanwhile", service)
		}
		if len(ivs) == 0 {
			return nil
		}
		rows := make([]slaIntervalRow, len(ivs))
		for i, iv := range ivs {
			rows[i] = slaIntervalRow{service, iv.Start.Unix(), iv.End.Unix(), iv.State.String()}
		}
		return tx.CreateInBatches(rows, upsertBatch).Error
	})
	return translate(err, "settle %s", service)
}
