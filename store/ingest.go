package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/mailmeter/mailmeter/metering"
)

var _ metering.IngestStore = (*Store)(nil)

// keepIngestBatches is how many applied ranges per source are kept for
// recognising replays.
const keepIngestBatches = 1000

type ingestBatchRow struct {
	Source     string    `gorm:"column:source;primaryKey"`
	Seq        int64     `gorm:"column:seq;primaryKey"`
	FromOffset int64     `gorm:"column:from_offset"`
	ToOffset   int64     `gorm:"column:to_offset"`
	AppliedAt  time.Time `gorm:"column:applied_at"`
}

func (ingestBatchRow) TableName() string { return "ingest_batches" }

// CommitRange implements metering.IngestStore: the batch, its checkpoint and
// the record of its range in one transaction.
func (s *Store) CommitRange(ctx context.Context, b metering.Batch, from int64) error {
	if b.Checkpoint == nil {
		return metering.FieldError("source", "an ingest batch needs a checkpoint")
	}
	cp := *b.Checkpoint
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.advanceRange(tx, cp, from); err != nil {
			return err
		}
		if err := s.upsert(tx, b); err != nil {
			return err
		}
		return s.notifyQuota(tx, changedUsage)
	})
	return rangeFence(translate(err, "commit ingest batch of %s", cp.Source), cp.Source)
}

// rangeFence makes a unique violation of ingest_batches (a concurrent
// writer recorded this seq first) the sequence fence it is.
func rangeFence(err error, source string) error {
	if metering.KindOf(err) == metering.Conflict && metering.FieldOf(err) == "" {
		return &metering.Error{Kind: metering.Conflict, Field: "seq", Message: "source " + source + " moved meanwhile", Err: err}
	}
	return err
}

// advanceRange advances the checkpoint and records, in tx, that [from,
// cp.Offset) was applied as cp.Seq, forgetting the oldest ranges.
func (s *Store) advanceRange(tx *gorm.DB, cp metering.Checkpoint, from int64) error {
	if err := s.advanceCheckpoint(tx, cp); err != nil {
		return err
	}
	row := ingestBatchRow{cp.Source, cp.Seq, from, cp.Offset, time.Now().UTC()}
	if err := tx.Create(&row).Error; err != nil {
		return err
	}
	if cp.Seq > keepIngestBatches {
		return tx.Where("source = ? AND seq <= ?", cp.Source, cp.Seq-keepIngestBatches).Delete(&ingestBatchRow{}).Error
	}
	return nil
}

// Applied implements metering.IngestStore.
func (s *Store) Applied(ctx context.Context, source string, seq, from, to int64) (bool, error) {
	q := s.db.WithContext(ctx).Model(&ingestBatchRow{}).Where("source = ? AND from_offset = ? AND to_offset = ?", source, from, to)
	if seq > 0 {
		q = q.Where("seq = ?", seq)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return false, translate(err, "look up ingest batch of %s", source)
	}
	return n > 0, nil
}
