package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/mailmeter/mailmeter/metering"
)

type probeHourRow struct {
	Probe     string `gorm:"column:probe;primaryKey"`
	Hour      int64  `gorm:"column:hour;primaryKey"`
	Attempts  int64  `gorm:"column:attempts"`
	Successes int64  `gorm:"column:successes"`
}

func (probeHourRow) TableName() string { return "probe_hours" }

// upsertAvailability adds probe results to their hours (a handful of rows
// per batch: the portable upsert on both databases).
func upsertAvailability(tx *gorm.DB, dialect string, as []metering.AvailabilityDelta) error {
	if len(as) == 0 {
		return nil
	}
	rows := make([]probeHourRow, len(as))
	for i, a := range as {
		rows[i] = probeHourRow{a.Probe, a.Hour.Unix(), a.Attempts, a.Successes}
	}
	return sumRefused(tx.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "probe"}, {Name: "hour"}},
		DoUpdates: clause.Assignments(map[string]any{
			"attempts":  gorm.Expr(sumExpr(dialect, "probe_hours", "attempts")),
			"successes": gorm.Expr(sumExpr(dialect, "probe_hours", "successes")),
		}),
	}).CreateInBatches(rows, upsertBatch).Error)
}

// Availability returns each probe's results over hours in [from, to), by
// probe name.
func (s *Store) Availability(ctx context.Context, from, to time.Time) ([]metering.ProbeAvailability, error) {
	var rows []metering.ProbeAvailability
	err := s.db.WithContext(ctx).Model(&probeHourRow{}).
		Select("probe, SUM(attempts) AS attempts, SUM(successes) AS successes").
		Where("hour >= ? AND hour < ?", from.Unix(), to.Unix()).Group("probe").Order("probe").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "read availability")
	}
	return rows, nil
}
