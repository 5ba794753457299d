package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/mailmeter/mailmeter/metering"
)

var _ metering.StreamCommitter = (*Store)(nil)

var _ metering.RangeStreamer = (*Store)(nil)

// streamTx is an open transaction receiving batch parts.
type streamTx struct {
	s    *Store
	tx   *gorm.DB
	done bool
	// from, for a pushed batch, starts the range Commit records as applied.
	from   int64
	ingest bool
}

// Begin implements metering.StreamCommitter.
func (s *Store) Begin(ctx context.Context) (metering.StreamTx, error) {
	tx := s.db.WithContext(ctx).Begin()
	if tx.Error != nil {
		return nil, translate(tx.Error, "begin usage stream")
	}
	return &streamTx{s: s, tx: tx}, nil
}

// BeginRange implements metering.RangeStreamer.
func (s *Store) BeginRange(ctx context.Context, from int64) (metering.StreamTx, error) {
	st, err := s.Begin(ctx)
	if err != nil {
		return nil, err
	}
	t := st.(*streamTx)
	t.from, t.ingest = from, true
	return t, nil
}

// Add implements metering.StreamTx: the part is written under a savepoint,
// so a part the database refuses leaves the transaction usable and as it
// was (PostgreSQL would abort it; SQLite would keep the statements before
// the refused one).
func (t *streamTx) Add(ctx context.Context, part metering.Batch) error {
	tx := t.tx.WithContext(ctx)
	if err := tx.SavePoint(partSavepoint).Error; err != nil {
		return translate(err, "write usage part")
	}
	if err := t.s.upsert(tx, part); err != nil {
		err = translate(err, "write usage part")
		if metering.KindOf(err) == metering.Refused {
			if rb := tx.RollbackTo(partSavepoint).Error; rb != nil {
				return translate(rb, "roll back a refused usage part")
			}
		}
		return err
	}
	if err := tx.Exec("RELEASE SAVEPOINT " + partSavepoint).Error; err != nil {
		return translate(err, "write usage part")
	}
	return nil
}

// partSavepoint names the savepoint of the part being written.
const partSavepoint = "usage_part"

// Commit implements metering.StreamTx.
func (t *streamTx) Commit(ctx context.Context, cp *metering.Checkpoint, stream *metering.Checkpoint) error {
	var err error
	switch {
	case cp != nil && t.ingest:
		err = t.s.advanceRange(t.tx.WithContext(ctx), *cp, t.from)
		if err == nil {
			err = t.s.advanceCheckpoints(t.tx.WithContext(ctx), stream)
		}
	default:
		err = t.s.advanceCheckpoints(t.tx.WithContext(ctx), cp, stream)
	}
	if err == nil {
		err = t.s.notifyQuota(t.tx.WithContext(ctx), changedUsage)
	}
	if err != nil {
		t.Rollback()
		if t.ingest {
			return rangeFence(translate(err, "commit ingest batch of %s", cp.Source), cp.Source)
		}
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

// Checkpoint implements metering.StreamTx.
func (t *streamTx) Checkpoint(ctx context.Context, source string) (metering.Checkpoint, error) {
	return checkpointIn(t.tx.WithContext(ctx), source)
}
