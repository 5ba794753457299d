package metering

import (
	"context"
	"fmt"
	"time"
)

// DeadLetter is a usage record the database refused (Refused: out of range,
// a constraint, an encoding), kept with the error instead of stopping its
// source, until an operator replays it (`mailmeter deadletter replay`).
type DeadLetter struct {
	ID         int64
	Source     string // the source of the batch it came in; "" for sources without a checkpoint
	Record     Batch  // the one refused record: a counter, gauge, latency or availability delta
	Error      string // why the database refused it
	CreatedAt  time.Time
	ReplayedAt time.Time // zero until replayed
}

// Describe says what the record is: "in_bytes of bob@acme.example in the
// hour 2026-11-28T10:00:00Z: +10".
func (d DeadLetter) Describe() string {
	const hour = time.RFC3339
	r := d.Record
	switch {
	case len(r.Counters) == 1:
		c := r.Counters[0]
		return fmt.Sprintf("%s of %s in the hour %s: %+d", c.Metric, c.Mailbox, c.Hour.UTC().Format(hour), c.Value)
	case len(r.Gauges) == 1:
		g := r.Gauges[0]
		return fmt.Sprintf("%s of %s folder %q in the hour %s: last %d, max %d", g.Metric, g.Mailbox, g.Folder, g.Hour.UTC().Format(hour), g.Last, g.Max)
	case len(r.Latency) == 1:
		l := r.Latency[0]
		return fmt.Sprintf("%s latency of %q in the hour %s: bucket %d %+d", l.Direction, l.Domain, l.Hour.UTC().Format(hour), l.Bucket, l.Count)
	case len(r.Availability) == 1:
		a := r.Availability[0]
		return fmt.Sprintf("probe %s in the hour %s: %d of %d checks", a.Probe, a.Hour.UTC().Format(hour), a.Successes, a.Attempts)
	}
	return fmt.Sprintf("%d records", r.Records())
}

// DeadLetterStore keeps dead letters; the store's Commit and StreamTx write
// them (Batch.DeadLetters). Errors are *Error values.
type DeadLetterStore interface {
	// DeadLetters lists dead letters, oldest first; with pending only, those
	// not yet replayed.
	DeadLetters(ctx context.Context, pending bool) ([]DeadLetter, error)
	// PendingDeadLetters counts the dead letters not yet replayed.
	PendingDeadLetters(ctx context.Context) (int64, error)
	// ReplayDeadLetter applies the record of dead letter id and marks it
	// replayed, in one transaction. It returns NotFound for an unknown id,
	// Conflict for a letter replayed before (nothing is applied twice) and
	// Refused when the database refuses the record again (it stays pending).
	ReplayDeadLetter(ctx context.Context, id int64) (DeadLetter, error)
}

// Records returns the number of usage records b carries.
func (b Batch) Records() int {
	return len(b.Counters) + len(b.Gauges) + len(b.Latency) + len(b.Availability)
}

// split returns b's first n usage records and the others, without the
// checkpoint and dead letters.
func (b Batch) split(n int) (Batch, Batch) {
	var x, y Batch
	x.Counters, y.Counters, n = cut(b.Counters, n)
	x.Gauges, y.Gauges, n = cut(b.Gauges, n)
	x.Latency, y.Latency, n = cut(b.Latency, n)
	x.Availability, y.Availability, _ = cut(b.Availability, n)
	return x, y
}

func cut[T any](s []T, n int) ([]T, []T, int) {
	k := min(n, len(s))
	return s[:k:k], s[k:], n - k
}

// add appends o's usage records to b.
func (b *Batch) add(o Batch) {
	b.Counters = append(b.Counters, o.Counters...)
	b.Gauges = append(b.Gauges, o.Gauges...)
	b.Latency = append(b.Latency, o.Latency...)
	b.Availability = append(b.Availability, o.Availability...)
}

// Salvage writes part's usage into tx. When the store refuses it
// (Refused), the part is bisected until every record the store accepts is
// written and each one it refuses stands alone. It returns the usage
// written and the refused records as dead letters, not yet written: the
// caller adds them to tx (Batch.DeadLetters), with their Source, before it
// commits. Any other error ends it: the caller rolls tx back and retries
// later.
func Salvage(ctx context.Context, tx StreamTx, part Batch) (Batch, []DeadLetter, error) {
	s := salvager{tx: tx}
	part.Checkpoint, part.DeadLetters = nil, nil
	if err := s.add(ctx, part, nil); err != nil {
		return Batch{}, nil, err
	}
	return s.written, s.dead, nil
}

// salvage is Salvage of a part already known to be refused with refusal
// (nil: not tried yet) that also writes the dead letters, as records of
// source.
func salvage(ctx context.Context, tx StreamTx, part Batch, source string, refusal error) (Batch, []DeadLetter, error) {
	s := salvager{tx: tx, source: source}
	part.Checkpoint, part.DeadLetters = nil, nil
	if err := s.add(ctx, part, refusal); err != nil {
		return Batch{}, nil, err
	}
	if len(s.dead) > 0 {
		if err := tx.Add(ctx, Batch{DeadLetters: s.dead}); err != nil {
			return Batch{}, nil, fmt.Errorf("keep %d refused records as dead letters: %w", len(s.dead), err)
		}
	}
	return s.written, s.dead, nil
}

type salvager struct {
	tx      StreamTx
	source  string
	written Batch
	dead    []DeadLetter
}

func (s *salvager) add(ctx context.Context, part Batch, refusal error) error {
	n := part.Records()
	if n == 0 {
		return nil
	}
	if refusal == nil {
		err := s.tx.Add(ctx, part)
		if KindOf(err) != Refused {
			if err == nil {
				s.written.add(part)
			}
			return err
		}
		refusal = err
	}
	if n == 1 {
		s.dead = append(s.dead, DeadLetter{Source: s.source, Record: part, Error: refusal.Error()})
		return nil
	}
	a, b := part.split(n / 2)
	if err := s.add(ctx, a, nil); err != nil {
		return err
	}
	return s.add(ctx, b, nil)
}

// commitSalvaging commits b through c. When c refuses b's data (Refused)
// and can write in parts, the batch is salvaged (see Salvage) and committed
// with its checkpoint in one transaction. It returns the batch committed
// (b without the refused records) and the dead letters.
func commitSalvaging(ctx context.Context, c Committer, b Batch) (Batch, []DeadLetter, error) {
	err := c.Commit(ctx, b)
	sc, ok := c.(StreamCommitter)
	if KindOf(err) != Refused || !ok {
		return b, nil, err
	}
	return salvageCommit(ctx, b, err, sc.Begin)
}

// salvageCommit salvages b, refused with refusal, in a stream begin opens,
// and commits the stream with b's checkpoint.
func salvageCommit(ctx context.Context, b Batch, refusal error, begin func(context.Context) (StreamTx, error)) (Batch, []DeadLetter, error) {
	tx, err := begin(ctx)
	if err != nil {
		return b, nil, err
	}
	defer tx.Rollback()
	source := ""
	if b.Checkpoint != nil {
		source = b.Checkpoint.Source
	}
	written, dead, err := salvage(ctx, tx, b, source, refusal)
	if err != nil {
		return b, nil, err
	}
	if err := tx.Commit(ctx, b.Checkpoint, b.Stream); err != nil {
		return b, nil, err
	}
	written.Checkpoint, written.Stream = b.Checkpoint, b.Stream
	return written, dead, nil
}
