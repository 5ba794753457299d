package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/mailmeter/mailmeter/quota"
)

var _ quota.Store = (*Store)(nil)

type limitsRow struct {
	Mailbox             string    `gorm:"column:mailbox;primaryKey"`
	StorageSoft         int64     `gorm:"column:storage_soft"`
	StorageHard         int64     `gorm:"column:storage_hard"`
	MessagesSoft        int64     `gorm:"column:messages_soft"`
	MessagesHard        int64     `gorm:"column:messages_hard"`
	OutBytesPerDay      int64     `gorm:"column:out_bytes_per_day"`
	OutRecipientsPerDay int64     `gorm:"column:out_recipients_per_day"`
	GraceSeconds        int64     `gorm:"column:grace_seconds"`
	UpdatedAt           time.Time `gorm:"column:updated_at"`
}

func (limitsRow) TableName() string { return "mailbox_limits" }

func (r limitsRow) domain() quota.Limits {
	return quota.Limits{Mailbox: r.Mailbox, StorageSoft: r.StorageSoft, StorageHard: r.StorageHard,
		MessagesSoft: r.MessagesSoft, MessagesHard: r.MessagesHard,
		OutBytesPerDay: r.OutBytesPerDay, OutRecipientsPerDay: r.OutRecipientsPerDay,
		Grace: time.Duration(r.GraceSeconds) * time.Second, UpdatedAt: r.UpdatedAt.UTC()}
}

// GetLimits implements quota.Store.
func (s *Store) GetLimits(ctx context.Context, mailbox string) (quota.Limits, error) {
	var row limitsRow
	if err := s.db.WithContext(ctx).Where("mailbox = ?", mailbox).Take(&row).Error; err != nil {
		return quota.Limits{}, translate(err, "limits of %s", mailbox)
	}
	return row.domain(), nil
}

// PutLimits implements quota.Store.
func (s *Store) PutLimits(ctx context.Context, l quota.Limits) error {
	row := limitsRow{l.Mailbox, l.StorageSoft, l.StorageHard, l.MessagesSoft, l.MessagesHard,
		l.OutBytesPerDay, l.OutRecipientsPerDay, int64(l.Grace / time.Second), l.UpdatedAt.UTC()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "mailbox"}},
			DoUpdates: clause.AssignmentColumns([]string{"storage_soft", "storage_hard", "messages_soft", "messages_hard", "out_bytes_per_day", "out_recipients_per_day", "grace_seconds", "updated_at"}),
		}).Create(&row).Error
		if err != nil {
			return err
		}
		return s.notifyQuota(tx, changedLimits)
	})
	return translate(err, "set limits of %s", l.Mailbox)
}

// ListLimits implements quota.Store.
func (s *Store) ListLimits(ctx context.Context) ([]quota.Limits, error) {
	var rows []limitsRow
	if err := s.db.WithContext(ctx).Order("mailbox").Find(&rows).Error; err != nil {
		return nil, translate(err, "list limits")
	}
	out := make([]quota.Limits, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}
