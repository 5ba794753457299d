package collect

import (
	"context"
	"sync/atomic"

	"github.com/mailmeter/mailmeter/metering"
)

// partStream writes batch parts into an open StreamTx from its own
// goroutine, so the database works while the file is still being parsed.
type partStream struct {
	tx    metering.StreamTx
	parts chan metering.Batch
	errc  chan error
	sent  bool // parts closed
	idle  atomic.Bool
}

func startStream(ctx context.Context, sc metering.StreamCommitter) (*partStream, error) {
	tx, err := sc.Begin(ctx)
	if err != nil {
		return nil, err
	}
	s := &partStream{tx: tx, parts: make(chan metering.Batch, 1), errc: make(chan error, 1)}
	go func() {
		var err error
		for {
			s.idle.Store(true)
			part, ok := <-s.parts
			s.idle.Store(false)
			if !ok {
				break
			}
			if err == nil && !part.Empty() {
				err = tx.Add(ctx, part)
			}
		}
		s.errc <- err
	}()
	return s, nil
}

// idle reports whether the writer is waiting for a part: a part sent now
// is written at once.
func (s *partStream) idleNow() bool { return s.idle.Load() }

// send queues a part; it blocks while the previous one is being written.
func (s *partStream) send(b metering.Batch) { s.parts <- b }

// commit waits for the parts to be written, then commits them with cp and
// the stream's checkpoint (which may be nil).
func (s *partStream) commit(ctx context.Context, cp metering.Checkpoint, stream *metering.Checkpoint) error {
	close(s.parts)
	s.sent = true
	if err := <-s.errc; err != nil {
		s.tx.Rollback()
		return err
	}
	return s.tx.Commit(ctx, cp, stream)
}

// abandon rolls back a stream that was not committed.
func (s *partStream) abandon() {
	if !s.sent {
		close(s.parts)
		s.sent = true
		<-s.errc
	}
	s.tx.Rollback()
}
