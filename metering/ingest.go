package metering

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// IngestInput is a batch pushed by a remote collector: the usage of the
// source's bytes [From, Batch.Checkpoint.Offset), with the checkpoint that
// accounts for them. (source, from, to) is its idempotency key; Seq is the
// collector's batch number, used to recognise replays of empty ranges.
type IngestInput struct {
	From  int64
	Batch Batch
}

// IngestStatus says what became of a pushed batch.
type IngestStatus string

// Ingest outcomes.
const (
	Applied   IngestStatus = "applied"   // committed now
	Duplicate IngestStatus = "duplicate" // committed before; not counted again
)

// IngestResult is the outcome of a pushed batch and where the source stands.
type IngestResult struct {
	Status      IngestStatus
	Checkpoint  Checkpoint
	DeadLetters int // records of the batch the database refused, kept as dead letters
}

// IngestStore is what ingest needs from storage. Errors are *Error values.
type IngestStore interface {
	// Checkpoint returns the stored checkpoint of a source, or NotFound.
	Checkpoint(ctx context.Context, source string) (Checkpoint, error)
	// CommitRange commits b like UsageStore.Commit (Conflict unless
	// b.Checkpoint.Seq is the stored seq plus one) and records, in the same
	// transaction, that the range [from, b.Checkpoint.Offset) was applied as
	// that seq.
	CommitRange(ctx context.Context, b Batch, from int64) error
	// Applied reports whether [from, to) was applied as one batch, with
	// batch number seq unless seq is 0.
	Applied(ctx context.Context, source string, seq, from, to int64) (bool, error)
}

// RangeStreamer is an IngestStore that can also write a pushed batch in
// parts, so a batch it refuses for its data can be salvaged (see Salvage).
type RangeStreamer interface {
	// BeginRange opens a stream whose Commit(cp) also records, as
	// CommitRange does, that [from, cp.Offset) was applied as cp.Seq.
	BeginRange(ctx context.Context, from int64) (StreamTx, error)
}

// Ingester applies batches pushed by remote collectors exactly once.
type Ingester struct {
	store    IngestStore
	onCommit func(Batch)
}

// NewIngester returns an Ingester over store; onCommit, if not nil, sees
// every applied batch (to keep in-memory views current).
func NewIngester(store IngestStore, onCommit func(Batch)) *Ingester {
	return &Ingester{store: store, onCommit: onCommit}
}

// Checkpoint returns the stored checkpoint of a source, or NotFound: where
// its collector resumes pushing.
func (in *Ingester) Checkpoint(ctx context.Context, source string) (Checkpoint, error) {
	return in.store.Checkpoint(ctx, source)
}

// MaxIngestValue bounds every number of a pushed batch: counter deltas,
// gauge values, latency counts and offsets. It is 2^53-1, the largest
// integer every JSON client reads exactly, and far above anything one
// mailbox does in an hour (8 PiB); a larger value is a broken collector.
const MaxIngestValue = 1<<53 - 1

// Validate checks a pushed batch before anything of it is stored, and
// truncates its hours: every text valid (CheckText); the source given;
// offsets and seq non-negative, to_offset not before from_offset; every
// number in [0, MaxIngestValue]; hours after the Unix epoch; metrics and
// directions known; mailboxes and domains in the canonical form collectors
// write them (MailboxFor); a gauge's last at most its max and observed in
// its hour; latency buckets in [0, MaxBucket]. Errors are Invalid and name
// the entry and field: "counters[3].value".
func (in *IngestInput) Validate() error {
	cp := in.Batch.Checkpoint
	if cp == nil || strings.TrimSpace(cp.Source) == "" {
		return FieldError("source", "source is required")
	}
	if err := CheckText("source", cp.Source); err != nil {
		return err
	}
	switch {
	case cp.Seq < 0:
		return FieldError("seq", "seq must not be negative")
	case in.From < 0:
		return FieldError("from_offset", "from_offset must not be negative")
	case cp.Offset < in.From:
		return FieldError("to_offset", "to_offset %d is before from_offset %d", cp.Offset, in.From)
	case cp.Offset > MaxIngestValue:
		return FieldError("to_offset", "to_offset %d is above %d", cp.Offset, int64(MaxIngestValue))
	}
	for i := range in.Batch.Counters {
		if err := checkCounter(&in.Batch.Counters[i]); err != nil {
			return InEntry("counters", i, err)
		}
	}
	for i := range in.Batch.Gauges {
		if err := checkGauge(&in.Batch.Gauges[i]); err != nil {
			return InEntry("gauges", i, err)
		}
	}
	for i := range in.Batch.Latency {
		if err := checkLatency(&in.Batch.Latency[i]); err != nil {
			return InEntry("latency", i, err)
		}
	}
	return nil
}

// InEntry returns err, an error about a field of entry i of a list, with
// the field and message naming the entry: "value" becomes
// "counters[3].value". Errors that are not *Error are returned as they are.
func InEntry(list string, i int, err error) error {
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	at := fmt.Sprintf("%s[%d]", list, i)
	c := *e
	c.Field, c.Message = at, at+": "+e.Message
	if e.Field != "" {
		c.Field, c.Message = at+"."+e.Field, at+"."+e.Message
	}
	return &c
}

// checkCounter checks one pushed counter delta and truncates its hour.
func checkCounter(c *CounterDelta) error {
	if err := first(checkMailbox("mailbox", c.Mailbox), CheckText("metric", string(c.Metric))); err != nil {
		return err
	}
	if !c.Metric.IsCounter() {
		return FieldError("metric", "metric %q: not a counter metric", c.Metric)
	}
	c.Hour = Hour(c.Hour)
	return first(checkHour("hour", c.Hour), checkValue("value", c.Value))
}

// checkGauge checks one pushed gauge and truncates its hour.
func checkGauge(g *GaugeDelta) error {
	if err := first(checkMailbox("mailbox", g.Mailbox), CheckText("folder", g.Folder), CheckText("metric", string(g.Metric))); err != nil {
		return err
	}
	if !g.Metric.IsGauge() {
		return FieldError("metric", "metric %q: not a gauge metric", g.Metric)
	}
	g.Hour = Hour(g.Hour)
	if err := first(checkHour("hour", g.Hour), checkValue("last", g.Last), checkValue("max", g.Max)); err != nil {
		return err
	}
	if g.Last > g.Max {
		return FieldError("last", "last %d is above max %d", g.Last, g.Max)
	}
	if !Hour(g.ObservedAt).Equal(g.Hour) {
		return FieldError("observed_at", "observed_at %s is not in the gauge's hour %s",
			g.ObservedAt.UTC().Format(time.RFC3339), g.Hour.Format(time.RFC3339))
	}
	return nil
}

// checkLatency checks one pushed latency bucket and truncates its hour.
func checkLatency(l *LatencyDelta) error {
	if err := CheckText("direction", string(l.Direction)); err != nil {
		return err
	}
	if l.Direction != Inbound && l.Direction != Outbound {
		return FieldError("direction", "direction %q: want inbound or outbound", l.Direction)
	}
	if err := checkDomain("domain", l.Domain); err != nil {
		return err
	}
	if l.Bucket < 0 || l.Bucket > MaxBucket {
		return FieldError("bucket", "bucket %d: want 0 to %d", l.Bucket, MaxBucket)
	}
	l.Hour = Hour(l.Hour)
	return first(checkHour("hour", l.Hour), checkValue("count", l.Count))
}

// checkMailbox accepts a mailbox as collectors write it: MailboxFor's
// canonical form (lower case, no angle brackets or surrounding space).
func checkMailbox(field, m string) error {
	if err := CheckText(field, m); err != nil {
		return err
	}
	if m == "" {
		return FieldError(field, "%s is required", field)
	}
	if c := MailboxFor(m, ""); c != m {
		return FieldError(field, "%s %q is not in canonical form (%q)", field, m, c)
	}
	return nil
}

// checkDomain accepts "" (service-wide) or a domain as collectors write
// it: the domain part of a canonical mailbox.
func checkDomain(field, d string) error {
	if err := CheckText(field, d); err != nil || d == "" {
		return err
	}
	if c := DomainOf(MailboxFor("x@"+d, "")); c != d {
		return FieldError(field, "%s %q is not in canonical form (%q)", field, d, c)
	}
	return nil
}

// checkValue accepts a number in [0, MaxIngestValue].
func checkValue(field string, v int64) error {
	if v < 0 || v > MaxIngestValue {
		return FieldError(field, "%s %d: want 0 to %d", field, v, int64(MaxIngestValue))
	}
	return nil
}

// checkHour accepts an hour after the Unix epoch.
func checkHour(field string, h time.Time) error {
	if h.Unix() < 0 {
		return FieldError(field, "%s %s: before 1970", field, h.Format(time.RFC3339))
	}
	return nil
}

// first returns the first non-nil error.
func first(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Ingest applies a pushed batch once. Against the stored checkpoint:
//   - no checkpoint yet: the batch must start at offset 0 (else Conflict);
//   - a range ending at or before the stored offset is a replay: Duplicate
//     if it is exactly an applied batch, Conflict otherwise (an empty range at
//     the stored offset is a replay only if its seq was already used);
//   - from == stored offset: committed as the next seq (Applied);
//   - from beyond the stored offset: Conflict (a gap);
//   - from before and to beyond the stored offset: Conflict (an overlap).
//
// Concurrent pushes of one batch are safe: the store's seq fence lets one
// commit, and the other is then classified again as a Duplicate.
func (g *Ingester) Ingest(ctx context.Context, in IngestInput) (IngestResult, error) {
	if err := in.Validate(); err != nil {
		return IngestResult{}, err
	}
	for attempt := 0; ; attempt++ {
		res, err := g.try(ctx, in)
		if attempt < 3 && KindOf(err) == Conflict && FieldOf(err) == "seq" {
			continue // another writer committed meanwhile: classify again
		}
		return res, err
	}
}

// try classifies the batch against the stored checkpoint and commits it if
// it is the next one. A Conflict with field "seq" means another writer
// moved the source meanwhile.
func (g *Ingester) try(ctx context.Context, in IngestInput) (IngestResult, error) {
	cp := *in.Batch.Checkpoint
	from, to := in.From, cp.Offset
	stored, err := g.store.Checkpoint(ctx, cp.Source)
	switch {
	case KindOf(err) == NotFound:
		if from != 0 {
			return IngestResult{}, &Error{Kind: Conflict, Field: "from_offset",
				Message: "unknown source " + cp.Source + ": its first batch must start at offset 0"}
		}
	case err != nil:
		return IngestResult{}, err
	case from == to && from == stored.Offset:
		if cp.Seq > 0 && cp.Seq <= stored.Seq {
			return g.replay(ctx, in, cp.Seq, stored) // an empty range: only its seq tells a replay
		}
	case to <= stored.Offset:
		return g.replay(ctx, in, 0, stored)
	case from > stored.Offset:
		return IngestResult{}, rangeConflict("gap", cp.Source, from, to, stored.Offset)
	case from < stored.Offset:
		return IngestResult{}, rangeConflict("overlap", cp.Source, from, to, stored.Offset)
	}
	b := in.Batch
	next := cp
	next.Seq = stored.Seq + 1
	b.Checkpoint = &next
	b, err = g.commit(ctx, b, from)
	if err != nil {
		return IngestResult{}, err
	}
	if g.onCommit != nil {
		g.onCommit(b)
	}
	return IngestResult{Status: Applied, Checkpoint: next, DeadLetters: len(b.DeadLetters)}, nil
}

// commit commits b as the range from its start; a batch the store refuses
// for its data is salvaged, its refused records kept as dead letters (in
// the returned batch's DeadLetters), so a pushing source never stops on
// data either.
func (g *Ingester) commit(ctx context.Context, b Batch, from int64) (Batch, error) {
	err := g.store.CommitRange(ctx, b, from)
	rs, ok := g.store.(RangeStreamer)
	if KindOf(err) != Refused || !ok {
		return b, err
	}
	begin := func(ctx context.Context) (StreamTx, error) { return rs.BeginRange(ctx, from) }
	written, dead, err := salvageCommit(ctx, b, err, begin)
	written.DeadLetters = dead
	return written, err
}

// replay answers a batch that was pushed before: Duplicate if its range
// (and seq, unless 0) is that of an applied batch, Conflict otherwise.
func (g *Ingester) replay(ctx context.Context, in IngestInput, seq int64, stored Checkpoint) (IngestResult, error) {
	cp := in.Batch.Checkpoint
	ok, err := g.store.Applied(ctx, cp.Source, seq, in.From, cp.Offset)
	if err != nil {
		return IngestResult{}, err
	}
	if !ok {
		return IngestResult{}, rangeConflict("overlap", cp.Source, in.From, cp.Offset, stored.Offset)
	}
	return IngestResult{Status: Duplicate, Checkpoint: stored}, nil
}

func rangeConflict(what, source string, from, to, stored int64) error {
	msg := Errorf(Conflict, "%s: batch [%d, %d) of source %s does not continue the stored offset %d", what, from, to, source, stored)
	msg.Field = "from_offset"
	return msg
}
