package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

type overRow struct {
	Mailbox string    `gorm:"column:mailbox;primaryKey"`
	Since   time.Time `gorm:"column:since"`
}

func (overRow) TableName() string { return "quota_over" }

// OverSince implements quota.Store.
func (s *Store) OverSince(ctx context.Context) (map[string]time.Time, error) {
	var rows []overRow
	if err := s.db.WithContext(ctx).Find(&rows).Error; err != nil {
		return nil, translate(err, "read grace starts")
	}
	out := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		out[r.Mailbox] = r.Since.UTC()
	}
	return out, nil
}

// MarkOver implements quota.Store: the first moment recorded stays.
func (s *Store) MarkOver(ctx context.Context, mailbox string, since time.Time) (time.Time, error) {
	db := s.db.WithContext(ctx)
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&overRow{mailbox, since.UTC()}).Error; err != nil {
		return time.Time{}, translate(err, "record grace start of %s", mailbox)
	}
	var row overRow
	if err := db.Where("mailbox = ?", mailbox).Take(&row).Error; err != nil {
		return time.Time{}, translate(err, "read grace start of %s", mailbox)
	}
	return row.Since.UTC(), nil
}

// ClearOver implements quota.Store.
func (s *Store) ClearOver(ctx context.Context, mailbox string) error {
	return translate(s.db.WithContext(ctx).Where("mailbox = ?", mailbox).Delete(&overRow{}).Error, "clear grace start of %s", mailbox)
}
