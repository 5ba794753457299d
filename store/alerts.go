package store

import (
	"cmp"
	"context"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/webhook"
)

var (
	_ quota.AlertStore = (*Store)(nil)
	_ webhook.Outbox   = (*Store)(nil)
)

type alertLevelRow struct {
	Mailbox   string    `gorm:"column:mailbox;primaryKey"`
	Meter     string    `gorm:"column:meter;primaryKey"`
	Level     int       `gorm:"column:level"`
	ChangedAt time.Time `gorm:"column:changed_at"`
}

func (alertLevelRow) TableName() string { return "quota_alert_levels" }

type eventRow struct {
	ID            int64      `gorm:"column:id;primaryKey;autoIncrement"`
	Kind          string     `gorm:"column:kind"`
	Mailbox       string     `gorm:"column:mailbox"`
	Payload       string     `gorm:"column:payload"`
	CreatedAt     time.Time  `gorm:"column:created_at"`
	Attempts      int        `gorm:"column:attempts"`
	NextAttemptAt time.Time  `gorm:"column:next_attempt_at"`
	DeliveredAt   *time.Time `gorm:"column:delivered_at"`
	LastError     string     `gorm:"column:last_error"`
}

func (eventRow) TableName() string { return "quota_events" }

// AlertLevels implements quota.AlertStore.
func (s *Store) AlertLevels(ctx context.Context) (map[quota.AlertKey]int, error) {
	var rows []alertLevelRow
	if err := s.db.WithContext(ctx).Find(&rows).Error; err != nil {
		return nil, translate(err, "read quota alert levels")
	}
	out := make(map[quota.AlertKey]int, len(rows))
	for _, r := range rows {
		out[quota.AlertKey{Mailbox: r.Mailbox, Meter: r.Meter}] = r.Level
	}
	return out, nil
}

// RaiseAlert implements quota.AlertStore: an upsert that only raises, and
// the event in the same transaction.
func (s *Store) RaiseAlert(ctx context.Context, c quota.Crossing, event []byte) (raised bool, stored int, err error) {
	at := c.At.UTC()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`INSERT INTO quota_alert_levels (mailbox, meter, level, changed_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (mailbox, meter) DO UPDATE SET level = excluded.level, changed_at = excluded.changed_at
			WHERE quota_alert_levels.level < excluded.level`, c.Mailbox, c.Meter, c.Level, at)
		if res.Error != nil {
			return res.Error
		}
		raised = res.RowsAffected > 0
		if !raised {
			var row alertLevelRow
			if err := tx.Where("mailbox = ? AND meter = ?", c.Mailbox, c.Meter).Take(&row).Error; err != nil {
				return err
			}
			stored = row.Level
			return nil
		}
		stored = c.Level
		if event == nil {
			return nil
		}
		return tx.Create(&eventRow{Kind: quota.EventKind, Mailbox: c.Mailbox, Payload: string(event), CreatedAt: at, NextAttemptAt: at}).Error
	})
	return raised, stored, translate(err, "raise quota alert of %s", c.Mailbox)
}

// LowerAlert implements quota.AlertStore.
func (s *Store) LowerAlert(ctx context.Context, key quota.AlertKey, level int, at time.Time) error {
	err := s.db.WithContext(ctx).Model(&alertLevelRow{}).
		Where("mailbox = ? AND meter = ? AND level > ?", key.Mailbox, key.Meter, level).
		Updates(map[string]any{"level": level, "changed_at": at.UTC()}).Error
	return translate(err, "lower quota alert of %s", key.Mailbox)
}

// ClaimEvents implements webhook.Outbox: undelivered events due at now,
// oldest first, each leased until now+lease (another process skips them
// meanwhile; PostgreSQL also skips rows another claim has locked).
func (s *Store) ClaimEvents(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]webhook.Event, error) {
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var rows []eventRow
	err := s.db.WithContext(ctx).Raw(`UPDATE quota_events SET next_attempt_at = ?
		WHERE id IN (SELECT id FROM quota_events WHERE delivered_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?`+lock+`)
		RETURNING *`, now.Add(lease).UTC(), now.UTC(), limit).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "claim webhook events")
	}
	slices.SortFunc(rows, func(a, b eventRow) int { return cmp.Compare(a.ID, b.ID) }) // RETURNING has no order
	out := make([]webhook.Event, len(rows))
	for i, r := range rows {
		out[i] = webhook.Event{ID: r.ID, Kind: r.Kind, Payload: []byte(r.Payload), CreatedAt: r.CreatedAt.UTC(), Attempts: r.Attempts}
	}
	return out, nil
}

// EventDelivered implements webhook.Outbox.
func (s *Store) EventDelivered(ctx context.Context, id int64, at time.Time) error {
	err := s.db.WithContext(ctx).Model(&eventRow{}).Where("id = ?", id).
		Updates(map[string]any{"delivered_at": at.UTC(), "attempts": gorm.Expr("attempts + 1"), "last_error": ""}).Error
	return translate(err, "mark webhook event %d delivered", id)
}

// EventFailed implements webhook.Outbox.
func (s *Store) EventFailed(ctx context.Context, id int64, next time.Time, reason string) error {
	err := s.db.WithContext(ctx).Model(&eventRow{}).Where("id = ?", id).
		Updates(map[string]any{"next_attempt_at": next.UTC(), "attempts": gorm.Expr("attempts + 1"), "last_error": reason}).Error
	return translate(err, "record failed webhook event %d", id)
}

// OutboxStats implements webhook.StatsReader.
func (s *Store) OutboxStats(ctx context.Context, now, since time.Time) (webhook.Stats, error) {
	var r struct{ Pending, GivenUp int }
	gaveUp := webhook.GivenUpSince(now).UTC()
	db := s.db.WithContext(ctx)
	err := db.Model(&eventRow{}).Where("delivered_at IS NULL").
		Select(`COALESCE(SUM(CASE WHEN next_attempt_at < ? THEN 1 ELSE 0 END), 0) AS pending,
			COALESCE(SUM(CASE WHEN next_attempt_at >= ? AND created_at >= ? THEN 1 ELSE 0 END), 0) AS given_up`,
			gaveUp, gaveUp, since.UTC()).Scan(&r).Error
	if err != nil {
		return webhook.Stats{}, translate(err, "read webhook outbox stats")
	}
	st := webhook.Stats{Pending: r.Pending, GivenUp: r.GivenUp}
	if r.Pending > 0 {
		var oldest eventRow
		err := db.Where("delivered_at IS NULL AND next_attempt_at < ?", gaveUp).Order("created_at, id").Limit(1).Find(&oldest).Error
		if err != nil {
			return st, translate(err, "read the oldest pending webhook event")
		}
		st.OldestPending = oldest.CreatedAt.UTC()
	}
	return st, nil
}
