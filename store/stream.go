package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/mailmeter/mailmeter/metering"
)

var _ metering.StreamCommitter = (*Store)(nil)

// streamTx is an open transaction receiving batch parts.
type streamTx struct {
	s    *Store
	tx   *gorm.DB
	done bool
}

// Begin implements metering.StreamCommitter.
func (s *Store) Begin(ctx context.Context) (metering.StreamTx, error) {
	tx := s.db.WithContext(ctx).Begin()
	if tx.Error != nil {
		return nil, translate(tx.Error, "begin usage stream")
	}
	return &streamTx{s: s, tx: tx}, nil
}

// Add implements metering.StreamTx.
func (t *streamTx) Add(ctx context.Context, part metering.Batch) error {
	if err := t.s.upsert(t.tx.WithContext(ctx), part); err != nil {
		return translate(err, "write usage part")
	}
	return nil
}

// Commit implements metering.StreamTx.
func (t *streamTx) Commit(ctx context.Context, cp metering.Checkpoint, stream *metering.Checkpoint) error {
	err := t.s.advanceCheckpoints(t.tx.WithContext(ctx), &cp, stream)
	if err == nil {
		err = t.s.notifyQuota(t.tx.WithContext(ctx), changedUsage)
	}
	if err != nil {
		t.Rollback()
		return translate(err, "commit usage stream")
	}
	t.done = true
	if err := t.tx.Commit().Error; err != nil {
		return translate(err, "commit usage stream")
	}
	return nil
}

// Rollback implements metering.StreamTx.
func (t *streamTx) Rollback() {
	if !t.done {
		t.done = true
		t.tx.Rollback()
	}
}
