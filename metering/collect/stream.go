package collect

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/mailmeter/mailmeter/metering"
)

// partStream writes batch parts into an open StreamTx from its own
// goroutine, so the database works while the file is still being parsed.
// Parts the database refuses are salvaged (metering.Salvage): their
// refused records become dead letters of the source whose checkpoint
// commits them (a file's source is known only once it is read).
type partStream struct {
	tx    metering.StreamTx
	parts chan metering.Batch
	errc  chan error
	sent  bool // parts closed
	idle  atomic.Bool
	mu    sync.Mutex            // held while tx is used: by the writer, or a lookup
	dead  []metering.DeadLetter // written by the writer; read after errc
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
				var dead []metering.DeadLetter
				s.mu.Lock()
				_, dead, err = metering.Salvage(ctx, tx, part)
				s.mu.Unlock()
				s.dead = append(s.dead, dead...)
			}
		}
		s.errc <- err
	}()
	return s, nil
}

// idle reports whether the writer is waiting for a part: a part sent now
// is written at once.
func (s *partStream) idleNow() bool { return s.idle.Load() }

// Checkpoint looks up the checkpoint of source in the stream's
// transaction, between parts.
func (s *partStream) Checkpoint(ctx context.Context, source string) (metering.Checkpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tx.Checkpoint(ctx, source)
}

// send queues a part; it blocks while the previous one is being written.
func (s *partStream) send(b metering.Batch) { s.parts <- b }

// commit waits for the parts to be written, then commits them with cp and
// the stream's checkpoint (which may be nil). It returns the dead letters
// committed with them.
func (s *partStream) commit(ctx context.Context, cp metering.Checkpoint, stream *metering.Checkpoint) ([]metering.DeadLetter, error) {
	close(s.parts)
	s.sent = true
	if err := <-s.errc; err != nil {
		s.tx.Rollback()
		return nil, err
	}
	if len(s.dead) > 0 {
		for i := range s.dead {
			s.dead[i].Source = cp.Source
		}
		if err := s.tx.Add(ctx, metering.Batch{DeadLetters: s.dead}); err != nil {
			s.tx.Rollback()
			return nil, fmt.Errorf("keep %d refused records as dead letters: %w", len(s.dead), err)
		}
	}
	if err := s.tx.Commit(ctx, &cp, stream); err != nil {
		return nil, err
	}
	return s.dead, nil
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
