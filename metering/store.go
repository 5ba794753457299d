package metering

import (
	"context"
	"time"
)

// CounterDelta adds Value to a counter metric of a mailbox in one hour.
type CounterDelta struct {
	Mailbox string
	Metric  Metric
	Hour    time.Time // UTC, truncated to the hour
	Value   int64
}

// GaugeDelta is the last and maximum value of a gauge observed in one hour.
// Merging keeps the Last of the newest observation and the larger Max.
type GaugeDelta struct {
	Mailbox    string
	Folder     string // "" = the mailbox total
	Metric     Metric
	Hour       time.Time
	Last, Max  int64
	ObservedAt time.Time // time of the observation that gave Last
}

// LatencyDelta adds Count samples to one histogram bucket.
type LatencyDelta struct {
	Hour      time.Time
	Direction Direction
	Domain    string // "" = service-wide
	Bucket    int
	Count     int64
}

// AvailabilityDelta adds probe results of one hour: Attempts checks of a
// service, Successes of them answered as they should.
type AvailabilityDelta struct {
	Probe     string
	Hour      time.Time
	Attempts  int64
	Successes int64
}

// ProbeCheck is one probe check with its time: the per-minute evidence
// service availability is computed from.
type ProbeCheck struct {
	Probe   string
	At      time.Time
	Up      bool
	Latency time.Duration
	Error   string // why it failed ("" if up), truncated
}

// ProbeAvailability is a probe's results over a range.
type ProbeAvailability struct {
	Probe     string
	Attempts  int64
	Successes int64
}

// Share returns the share of successful checks (1 without any check: no
// evidence of downtime).
func (p ProbeAvailability) Share() float64 {
	if p.Attempts == 0 {
		return 1
	}
	return float64(p.Successes) / float64(p.Attempts)
}

// Batch is what a Recorder flushes: usage deltas and, for sources that
// resume, the checkpoint that accounts for them. A store commits a batch in
// one transaction: all of it or nothing.
type Batch struct {
	Checkpoint *Checkpoint
	Counters   []CounterDelta
	Gauges     []GaugeDelta
	Latency    []LatencyDelta
	// Availability and Checks come from probes, which commit their own
	// batches: checks and successes per hour, and every check. A check
	// stored twice (same probe and time) is kept once.
	Availability []AvailabilityDelta
	Checks       []ProbeCheck
	// Stream, if set, is the checkpoint of the log stream the source
	// belongs to (its host and log name, across rotated files and
	// readers), advanced in the same transaction and fenced like
	// Checkpoint: Conflict unless its Seq is the stored one plus one.
	Stream *Checkpoint
	// DeadLetters are records of this batch the store refused, kept in the
	// same transaction (see Salvage); they are not usage.
	DeadLetters []DeadLetter
}

// Empty reports whether the batch carries no usage (dead letters are not
// usage).
func (b Batch) Empty() bool {
	return len(b.Counters) == 0 && len(b.Gauges) == 0 && len(b.Latency) == 0 && len(b.Availability) == 0 && len(b.Checks) == 0
}

// AddressScope says whose usage a query reads. Usage is recorded for every
// address the logs name; which of them are hosted is decided when usage is
// read, against the directory, so nothing measured is ever dropped.
type AddressScope uint8

// Address scopes.
const (
	// AnyAddress reads every address usage was recorded for.
	AnyAddress AddressScope = iota
	// Hosted reads the addresses of the directory's mailboxes, removed ones
	// included: what lists, breakdowns and invoices show.
	Hosted
	// Unknown reads the addresses the directory never held: unknown
	// recipients (dictionary attacks), foreign senders, logins without @.
	Unknown
)

// UsageQuery selects usage by time range [From, To) and optionally mailboxes.
type UsageQuery struct {
	From, To  time.Time
	Mailboxes []string     // empty = all
	Domain    string       // only mailboxes of this domain
	Domains   []string     // only mailboxes of these domains (with Domain, of any of them)
	Scope     AddressScope // default AnyAddress
}

// MailboxTotals is a mailbox's counter totals over a query range.
type MailboxTotals struct {
	Mailbox string
	Values  map[Metric]int64
}

// UsagePoint is one mailbox's counters in one time bucket.
type UsagePoint struct {
	Start  time.Time
	Values map[Metric]int64
}

// GaugePoint is a gauge's last and max in one hour.
type GaugePoint struct {
	Mailbox   string
	Folder    string
	Metric    Metric
	Hour      time.Time
	Last, Max int64
}

// LatencyQuery selects latency histograms.
type LatencyQuery struct {
	From, To  time.Time
	Direction Direction // "" = both
	Domain    string    // "" = service-wide
}

// Committer is what a collector needs to resume and to commit: a local
// store or a remote ingest API alike.
type Committer interface {
	// Commit applies a batch atomically (see UsageStore.Commit).
	Commit(ctx context.Context, b Batch) error
	// Checkpoint returns the stored checkpoint of a source, or NotFound.
	Checkpoint(ctx context.Context, source string) (Checkpoint, error)
}

// UsageStore persists usage. Errors are *Error values.
type UsageStore interface {
	// Commit applies a batch atomically. With a checkpoint, it requires
	// Checkpoint.Seq to be the stored sequence plus one (1 for a new source)
	// and returns Conflict otherwise, leaving the store unchanged: this
	// fences two writers of one source and makes a replayed batch harmless.
	// It returns Refused, leaving the store unchanged, when the database
	// refuses the batch's data (a sum past the int64 range, a constraint, an
	// encoding): retrying the same batch fails again; Unavailable when the
	// database cannot be reached (retrying may succeed).
	Commit(ctx context.Context, b Batch) error
	// Checkpoint returns the stored checkpoint of a source, or NotFound.
	Checkpoint(ctx context.Context, source string) (Checkpoint, error)
	// Totals sums counters per mailbox over the query range (hours whose
	// start lies in [From, To)).
	Totals(ctx context.Context, q UsageQuery) ([]MailboxTotals, error)
	// Gauges returns the gauge rows of the query range, ordered by hour.
	Gauges(ctx context.Context, q UsageQuery) ([]GaugePoint, error)
	// Latency returns the merged histogram per direction over the range.
	Latency(ctx context.Context, q LatencyQuery) (map[Direction]*Histogram, error)
}

// StreamCommitter is a Committer that can also write a large batch in
// parts inside one transaction, so the database works while the source is
// still being read; the parts land atomically with the checkpoint or not at
// all.
type StreamCommitter interface {
	Committer
	// Begin opens a transaction for one stream of parts.
	Begin(ctx context.Context) (StreamTx, error)
}

// StreamTx is an open stream of batch parts.
type StreamTx interface {
	// Add writes a part's usage and dead letters (its Checkpoint is
	// ignored), all of it or nothing: when the database refuses the part's
	// data it returns Refused and the stream goes on as before the part.
	Add(ctx context.Context, part Batch) error
	// Commit advances the checkpoint and the stream's, each if it is not
	// nil, as Committer.Commit does (Conflict unless each Seq is the stored
	// sequence plus one) and commits everything.
	Commit(ctx context.Context, cp *Checkpoint, stream *Checkpoint) error
	// Rollback abandons the stream; after Commit it does nothing.
	Rollback()
	// Checkpoint returns the checkpoint of source as the stream's
	// transaction sees it (NotFound if it has none): a stream that holds
	// the database's only writer (SQLite) can still look one up.
	Checkpoint(ctx context.Context, source string) (Checkpoint, error)
}
