package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/mailmeter/mailmeter/metering"
)

var _ metering.DeadLetterStore = (*Store)(nil)

type deadLetterRow struct {
	ID         int64      `gorm:"column:id;primaryKey;autoIncrement"`
	Source     string     `gorm:"column:source"`
	Record     string     `gorm:"column:record"`
	Error      string     `gorm:"column:error"`
	CreatedAt  time.Time  `gorm:"column:created_at"`
	ReplayedAt *time.Time `gorm:"column:replayed_at"`
}

func (deadLetterRow) TableName() string { return "deadletters" }

// deadRecord is the stored form of a dead letter's record.
type deadRecord struct {
	Counters     []metering.CounterDelta      `json:"counters,omitempty"`
	Gauges       []metering.GaugeDelta        `json:"gauges,omitempty"`
	Latency      []metering.LatencyDelta      `json:"latency,omitempty"`
	Availability []metering.AvailabilityDelta `json:"availability,omitempty"`
}

// insertDeadLetters writes dead letters in tx. Text that PostgreSQL would
// refuse (invalid UTF-8, NUL) is made printable: a dead letter is never
// refused itself.
func insertDeadLetters(tx *gorm.DB, ds []metering.DeadLetter) error {
	if len(ds) == 0 {
		return nil
	}
	now := time.Now().UTC()
	rows := make([]deadLetterRow, len(ds))
	for i, d := range ds {
		r := d.Record
		rec, err := json.Marshal(deadRecord{r.Counters, r.Gauges, r.Latency, r.Availability})
		if err != nil {
			return fmt.Errorf("encode dead letter: %w", err)
		}
		rows[i] = deadLetterRow{Source: printable(d.Source), Record: printable(string(rec)), Error: printable(d.Error), CreatedAt: now}
	}
	return tx.Create(&rows).Error
}

func (r deadLetterRow) letter() (metering.DeadLetter, error) {
	var rec deadRecord
	if err := json.Unmarshal([]byte(r.Record), &rec); err != nil {
		return metering.DeadLetter{}, fmt.Errorf("dead letter %d: %w", r.ID, err)
	}
	d := metering.DeadLetter{ID: r.ID, Source: r.Source, Error: r.Error, CreatedAt: r.CreatedAt.UTC(),
		Record: metering.Batch{Counters: rec.Counters, Gauges: rec.Gauges, Latency: rec.Latency, Availability: rec.Availability}}
	if r.ReplayedAt != nil {
		d.ReplayedAt = r.ReplayedAt.UTC()
	}
	return d, nil
}

// DeadLetters implements metering.DeadLetterStore.
func (s *Store) DeadLetters(ctx context.Context, pending bool) ([]metering.DeadLetter, error) {
	q := s.db.WithContext(ctx).Order("id")
	if pending {
		q = q.Where("replayed_at IS NULL")
	}
	var rows []deadLetterRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, translate(err, "list dead letters")
	}
	out := make([]metering.DeadLetter, len(rows))
	for i, r := range rows {
		d, err := r.letter()
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// PendingDeadLetters implements metering.DeadLetterStore.
func (s *Store) PendingDeadLetters(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&deadLetterRow{}).Where("replayed_at IS NULL").Count(&n).Error; err != nil {
		return 0, translate(err, "count dead letters")
	}
	return n, nil
}

// ReplayDeadLetter implements metering.DeadLetterStore: the record is
// applied and the letter marked in one transaction, which holds the
// letter's row (PostgreSQL) or the write lock (SQLite) throughout, so two
// replays of one letter apply it once.
func (s *Store) ReplayDeadLetter(ctx context.Context, id int64) (metering.DeadLetter, error) {
	var d metering.DeadLetter
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row deadLetterRow
		q := tx.Where("id = ?", id)
		if s.dialect == Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Take(&row).Error; err != nil {
			return err
		}
		if row.ReplayedAt != nil {
			return metering.Errorf(metering.Conflict, "dead letter %d was replayed at %s", id, row.ReplayedAt.UTC().Format(time.RFC3339))
		}
		var err error
		if d, err = row.letter(); err != nil {
			return err
		}
		if err := s.upsert(tx, d.Record); err != nil {
			return err
		}
		d.ReplayedAt = time.Now().UTC()
		if err := tx.Model(&deadLetterRow{}).Where("id = ?", id).Update("replayed_at", d.ReplayedAt).Error; err != nil {
			return err
		}
		return s.notifyQuota(tx, changedUsage)
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return d, metering.Errorf(metering.NotFound, "dead letter %d does not exist", id)
	}
	return d, translate(err, "replay dead letter %d", id)
}
