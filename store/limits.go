package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/mailmeter/mailmeter/quota"
)

var _ quota.Store = (*Store)(nil)

// limitValues are the columns mailbox and plan limits share.
type limitValues struct {
	StorageSoft           int64     `gorm:"column:storage_soft"`
	StorageHard           int64     `gorm:"column:storage_hard"`
	MessagesSoft          int64     `gorm:"column:messages_soft"`
	MessagesHard          int64     `gorm:"column:messages_hard"`
	OutBytesPerDay        int64     `gorm:"column:out_bytes_per_day"`
	OutRecipientsPerDay   int64     `gorm:"column:out_recipients_per_day"`
	OutBytesPerMonth      int64     `gorm:"column:out_bytes_per_month"`
	OutRecipientsPerMonth int64     `gorm:"column:out_recipients_per_month"`
	GraceSeconds          int64     `gorm:"column:grace_seconds"`
	UpdatedAt             time.Time `gorm:"column:updated_at"`
}

// limitColumns are limitValues' columns, replaced on conflict.
var limitColumns = []string{"storage_soft", "storage_hard", "messages_soft", "messages_hard", "out_bytes_per_day",
	"out_recipients_per_day", "out_bytes_per_month", "out_recipients_per_month", "grace_seconds", "updated_at"}

func valuesOf(l quota.Limits) limitValues {
	return limitValues{l.StorageSoft, l.StorageHard, l.MessagesSoft, l.MessagesHard, l.OutBytesPerDay, l.OutRecipientsPerDay,
		l.OutBytesPerMonth, l.OutRecipientsPerMonth, int64(l.Grace / time.Second), l.UpdatedAt.UTC()}
}

func (v limitValues) limits(mailbox string) quota.Limits {
	return quota.Limits{Mailbox: mailbox, StorageSoft: v.StorageSoft, StorageHard: v.StorageHard,
		MessagesSoft: v.MessagesSoft, MessagesHard: v.MessagesHard,
		OutBytesPerDay: v.OutBytesPerDay, OutRecipientsPerDay: v.OutRecipientsPerDay,
		OutBytesPerMonth: v.OutBytesPerMonth, OutRecipientsPerMonth: v.OutRecipientsPerMonth,
		Grace: quota.GraceOf(v.GraceSeconds), UpdatedAt: v.UpdatedAt.UTC()}
}

type limitsRow struct {
	Mailbox string      `gorm:"column:mailbox;primaryKey"`
	Values  limitValues `gorm:"embedded"`
}

func (limitsRow) TableName() string { return "mailbox_limits" }

type planLimitsRow struct {
	Plan   string      `gorm:"column:plan;primaryKey"`
	Values limitValues `gorm:"embedded"`
}

func (planLimitsRow) TableName() string { return "plan_limits" }

// GetLimits implements quota.Store.
func (s *Store) GetLimits(ctx context.Context, mailbox string) (quota.Limits, error) {
	var row limitsRow
	if err := s.db.WithContext(ctx).Where("mailbox = ?", mailbox).Take(&row).Error; err != nil {
		return quota.Limits{}, translate(err, "limits of %s", mailbox)
	}
	return row.Values.limits(row.Mailbox), nil
}

// upsertNotify writes row (replacing limitColumns on a conflict on key) and
// announces the change, in one transaction.
func (s *Store) upsertNotify(ctx context.Context, row any, key string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: key}},
			DoUpdates: clause.AssignmentColumns(limitColumns),
		}).Create(row).Error
		if err != nil {
			return err
		}
		return s.notifyQuota(tx, changedLimits)
	})
}

// PutLimits implements quota.Store.
func (s *Store) PutLimits(ctx context.Context, l quota.Limits) error {
	err := s.upsertNotify(ctx, &limitsRow{Mailbox: l.Mailbox, Values: valuesOf(l)}, "mailbox")
	return translate(err, "set limits of %s", l.Mailbox)
}

// DeleteLimits implements quota.Store.
func (s *Store) DeleteLimits(ctx context.Context, mailbox string) error {
	var n int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("mailbox = ?", mailbox).Delete(&limitsRow{})
		if n = res.RowsAffected; res.Error != nil || n == 0 {
			return res.Error
		}
		return s.notifyQuota(tx, changedLimits)
	})
	if err == nil && n == 0 {
		return translate(gorm.ErrRecordNotFound, "limits of %s", mailbox)
	}
	return translate(err, "delete limits of %s", mailbox)
}

// ListLimits implements quota.Store.
func (s *Store) ListLimits(ctx context.Context) ([]quota.Limits, error) {
	var rows []limitsRow
	if err := s.db.WithContext(ctx).Order("mailbox").Find(&rows).Error; err != nil {
		return nil, translate(err, "list limits")
	}
	out := make([]quota.Limits, len(rows))
	for i, r := range rows {
		out[i] = r.Values.limits(r.Mailbox)
	}
	return out, nil
}

// GetPlanLimits implements quota.Store.
func (s *Store) GetPlanLimits(ctx context.Context, plan string) (quota.PlanLimits, error) {
	var row planLimitsRow
	if err := s.db.WithContext(ctx).Where("plan = ?", plan).Take(&row).Error; err != nil {
		return quota.PlanLimits{}, translate(err, "limits of plan %s", plan)
	}
	return quota.PlanLimits{Plan: row.Plan, Limits: row.Values.limits("")}, nil
}

// PutPlanLimits implements quota.Store.
func (s *Store) PutPlanLimits(ctx context.Context, p quota.PlanLimits) error {
	err := s.upsertNotify(ctx, &planLimitsRow{Plan: p.Plan, Values: valuesOf(p.Limits)}, "plan")
	return translate(err, "set limits of plan %s", p.Plan)
}

// ListPlanLimits implements quota.Store.
func (s *Store) ListPlanLimits(ctx context.Context) ([]quota.PlanLimits, error) {
	var rows []planLimitsRow
	if err := s.db.WithContext(ctx).Order("plan").Find(&rows).Error; err != nil {
		return nil, translate(err, "list plan limits")
	}
	out := make([]quota.PlanLimits, len(rows))
	for i, r := range rows {
		out[i] = quota.PlanLimits{Plan: r.Plan, Limits: r.Values.limits("")}
	}
	return out, nil
}

// MailboxPlans implements quota.Store.
func (s *Store) MailboxPlans(ctx context.Context) (map[string]string, error) {
	var rows []struct {
		Address string
		Plan    string
	}
	err := s.db.WithContext(ctx).Raw(`SELECT m.address, c.plan FROM mailboxes m
		JOIN domains d ON d.name = m.domain AND d.deleted_at IS NULL
		JOIN customers c ON c.id = d.customer_id AND c.deleted_at IS NULL
		WHERE m.deleted_at IS NULL AND c.plan <> ''`).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "read mailbox plans")
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Address] = r.Plan
	}
	return out, nil
}
