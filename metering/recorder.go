package metering

import (
	"context"
	"math"
	"sort"
	"sync"
	"time"
)

type counterKey struct {
	mailbox string
	metric  Metric
	hour    int64
}

type gaugeKey struct {
	mailbox, folder string
	metric          Metric
	hour            int64
}

// mailboxHour keys the counters of one mailbox in one hour; counterRow holds
// them by their index in CounterMetrics (CounterIndex), so an event costs
// one map lookup on a single string.
type mailboxHour struct {
	mailbox string
	hour    int64
}

type counterRow [len(counterMetrics)]int64

// latencyGroup keys one histogram: an hour, a direction and a domain.
type latencyGroup struct {
	hour      int64
	direction Direction
	domain    string
}

// pending holds sums taken out of a Recorder for a flush.
type pending struct {
	counters map[mailboxHour]*counterRow
	other    map[counterKey]int64 // metrics outside CounterMetrics
	gauges   map[gaugeKey]GaugeDelta
	latency  map[latencyGroup]map[int]int64
	events   int64
}

// Recorder is the Sink of one source: it sums events per (mailbox, metric,
// hour) in memory and flushes the sums, with the source's checkpoint, in one
// store transaction. A failed flush keeps everything pending, so retrying
// the flush (without feeding more events) commits exactly once.
//
// Sums are checked: an event whose sum would pass the int64 range is not
// added but reported (RecorderHooks.Anomaly). A flush the store refuses for
// its data is salvaged: the records it accepts commit with the checkpoint,
// the others become dead letters (see Salvage), so a source never stops on
// data.
type Recorder struct {
	store    Committer
	onCommit func(Batch)
	hooks    RecorderHooks
	skip     map[string]bool // mailboxes metered nothing (probe accounts)

	mu sync.Mutex
	pending
	lastKey mailboxHour // the row of the previous event, looked up once
	lastRow *counterRow
}

// RecorderHooks are a Recorder's optional callbacks. They run on the
// goroutine that called Count or Flush, without the Recorder's lock.
type RecorderHooks struct {
	Anomaly     func(Anomaly)      // an event not added: its sum would pass the int64 range
	DeadLetters func([]DeadLetter) // records a flush kept as dead letters
}

// SetHooks sets the callbacks; call it before the Recorder is used.
func (r *Recorder) SetHooks(h RecorderHooks) { r.hooks = h }

func (r *Recorder) anomaly(a Anomaly) {
	if r.hooks.Anomaly != nil {
		r.hooks.Anomaly(a)
	}
}

// NewRecorder returns a Recorder writing to store. onCommit, if not nil, is
// called with every committed batch (to keep in-memory views current).
func NewRecorder(store Committer, onCommit func(Batch)) *Recorder {
	r := &Recorder{store: store, onCommit: onCommit}
	r.reset()
	return r
}

func (r *Recorder) reset() {
	r.pending = pending{
		counters: map[mailboxHour]*counterRow{},
		other:    map[counterKey]int64{},
		gauges:   map[gaugeKey]GaugeDelta{},
		latency:  map[latencyGroup]map[int]int64{},
	}
	r.lastRow = nil
}

// hourOf returns the unix second of the start of t's UTC hour.
func hourOf(t time.Time) int64 {
	s := t.Unix()
	h := s - s%3600
	if s < 0 && s%3600 != 0 {
		h -= 3600
	}
	return h
}

// Skip makes the Recorder ignore every event and storage sample of
// mailboxes (normalized, see MailboxFor): probe accounts, whose test
// messages are never anyone's usage. Call it before feeding events.
func (r *Recorder) Skip(mailboxes []string) *Recorder {
	if len(mailboxes) == 0 {
		return r
	}
	r.skip = make(map[string]bool, len(mailboxes))
	for _, m := range mailboxes {
		r.skip[m] = true
	}
	return r
}

// Count adds an event. Events without a mailbox, with a zero value or of
// a skipped mailbox are ignored; one whose sum would pass the int64 range
// is reported as an anomaly and not added.
func (r *Recorder) Count(e Event) {
	if e.Mailbox == "" || e.Value == 0 || (r.skip != nil && r.skip[e.Mailbox]) {
		return
	}
	k := mailboxHour{e.Mailbox, hourOf(e.Time)}
	r.mu.Lock()
	ok := true
	i := CounterIndex(e.Metric)
	if i < 0 {
		ck := counterKey{e.Mailbox, e.Metric, k.hour}
		r.other[ck], ok = CheckedAdd(r.other[ck], e.Value)
	} else {
		row := r.lastRow
		if row == nil || r.lastKey != k {
			row = r.counters[k]
			if row == nil {
				row = new(counterRow)
				r.counters[k] = row
			}
			r.lastKey, r.lastRow = k, row
		}
		row[i], ok = CheckedAdd(row[i], e.Value)
	}
	if ok {
		r.events++
	}
	r.mu.Unlock()
	if !ok {
		r.anomaly(sumOverflow(e.Mailbox, e.Metric, e.Value))
	}
}

func sumOverflow(mailbox string, m Metric, v int64) Anomaly {
	return Anomaly{Reason: AnomalySumOverflow, Field: string(m), Value: v, Limit: math.MaxInt64, Mailbox: mailbox}
}

// Latency adds a delivery delay sample, service-wide and for its domain.
func (r *Recorder) Latency(s LatencySample) {
	h, b := hourOf(s.Time), BucketOf(s.Delay)
	r.mu.Lock()
	r.addLatency(latencyGroup{h, s.Direction, ""}, b, 1)
	if s.Domain != "" {
		r.addLatency(latencyGroup{h, s.Direction, s.Domain}, b, 1)
	}
	r.events++
	r.mu.Unlock()
}

func (r *Recorder) addLatency(g latencyGroup, bucket int, n int64) {
	m := r.latency[g]
	if m == nil {
		m = map[int]int64{}
		r.latency[g] = m
	}
	m[bucket] += n
}

// Storage records a storage observation as the two gauges (none for a
// skipped mailbox).
func (r *Recorder) Storage(s StorageSample) {
	if r.skip != nil && r.skip[s.Mailbox] {
		return
	}
	r.mu.Lock()
	r.gauge(s, StorageBytes, s.Bytes)
	r.gauge(s, StorageMessages, s.Messages)
	r.events++
	r.mu.Unlock()
}

func (r *Recorder) gauge(s StorageSample, m Metric, v int64) {
	h := Hour(s.Time)
	k := gaugeKey{s.Mailbox, s.Folder, m, h.Unix()}
	obs := GaugeDelta{Mailbox: s.Mailbox, Folder: s.Folder, Metric: m, Hour: h, Last: v, Max: v, ObservedAt: s.Time.UTC()}
	if g, ok := r.gauges[k]; ok {
		obs = g.Merge(obs)
	}
	r.gauges[k] = obs
}

// Pending returns the number of events recorded since the last flush.
func (r *Recorder) Pending() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.events
}

// Batch returns the pending sums as a batch (sorted, for deterministic
// writes and fewer lock conflicts), without clearing them.
func (r *Recorder) Batch(cp *Checkpoint) Batch {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.batchLocked(cp)
}

func (r *Recorder) batchLocked(cp *Checkpoint) Batch {
	b := Batch{Checkpoint: cp}
	for k, row := range r.counters {
		for i, v := range row {
			if v != 0 {
				b.Counters = append(b.Counters, CounterDelta{k.mailbox, counterMetrics[i], time.Unix(k.hour, 0).UTC(), v})
			}
		}
	}
	for k, v := range r.other {
		if v != 0 {
			b.Counters = append(b.Counters, CounterDelta{k.mailbox, k.metric, time.Unix(k.hour, 0).UTC(), v})
		}
	}
	sort.Slice(b.Counters, func(i, j int) bool {
		x, y := b.Counters[i], b.Counters[j]
		if x.Mailbox != y.Mailbox {
			return x.Mailbox < y.Mailbox
		}
		if x.Metric != y.Metric {
			return x.Metric < y.Metric
		}
		return x.Hour.Before(y.Hour)
	})
	for _, g := range r.gauges {
		b.Gauges = append(b.Gauges, g)
	}
	sort.Slice(b.Gauges, func(i, j int) bool {
		x, y := b.Gauges[i], b.Gauges[j]
		if x.Mailbox != y.Mailbox {
			return x.Mailbox < y.Mailbox
		}
		if x.Folder != y.Folder {
			return x.Folder < y.Folder
		}
		if x.Metric != y.Metric {
			return x.Metric < y.Metric
		}
		return x.Hour.Before(y.Hour)
	})
	for g, buckets := range r.latency {
		for bucket, n := range buckets {
			b.Latency = append(b.Latency, LatencyDelta{time.Unix(g.hour, 0).UTC(), g.direction, g.domain, bucket, n})
		}
	}
	sort.Slice(b.Latency, func(i, j int) bool {
		x, y := b.Latency[i], b.Latency[j]
		if !x.Hour.Equal(y.Hour) {
			return x.Hour.Before(y.Hour)
		}
		if x.Direction != y.Direction {
			return x.Direction < y.Direction
		}
		if x.Domain != y.Domain {
			return x.Domain < y.Domain
		}
		return x.Bucket < y.Bucket
	})
	return b
}

// Flush commits the pending sums with the checkpoint (which may be nil) and
// clears them. Events recorded while the commit runs stay pending for the
// next flush. Records the store refuses for their data are kept as dead
// letters in the same transaction (RecorderHooks.DeadLetters hears of them)
// and Flush succeeds. On error the flushed sums are put back: call Flush again with
// the same checkpoint. A source that checkpoints must not feed events
// between a failed Flush and its retry, or they would be committed under the
// old checkpoint.
func (r *Recorder) Flush(ctx context.Context, cp *Checkpoint) error {
	return r.FlushWith(ctx, cp, nil)
}

// FlushWith is Flush that also advances a log stream's checkpoint, which
// may be nil (see Batch.Stream).
func (r *Recorder) FlushWith(ctx context.Context, cp, stream *Checkpoint) error {
	r.mu.Lock()
	b := r.batchLocked(cp)
	b.Stream = stream
	taken := r.pending
	r.reset()
	r.mu.Unlock()
	if b.Empty() && cp == nil {
		return nil
	}
	b, dead, err := commitSalvaging(ctx, r.store, b)
	if err != nil {
		r.mu.Lock()
		lost := r.merge(&taken)
		r.mu.Unlock()
		for _, a := range lost {
			r.anomaly(a)
		}
		return err
	}
	if len(dead) > 0 && r.hooks.DeadLetters != nil {
		r.hooks.DeadLetters(dead)
	}
	if r.onCommit != nil {
		r.onCommit(b)
	}
	return nil
}

// Take returns the pending sums as a batch and clears them, for a caller
// that writes them itself (a StreamTx part).
func (r *Recorder) Take() Batch {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.batchLocked(nil)
	r.reset()
	return b
}

// TakeBefore returns, as a batch, the pending counters and latency of hours
// that start before t, and clears them; the rest stays pending. Sources read
// in time order call it to write finished hours early.
func (r *Recorder) TakeBefore(t time.Time) Batch {
	cut := hourOf(t)
	r.mu.Lock()
	defer r.mu.Unlock()
	taken := pending{counters: map[mailboxHour]*counterRow{}, other: map[counterKey]int64{},
		gauges: map[gaugeKey]GaugeDelta{}, latency: map[latencyGroup]map[int]int64{}}
	for k, row := range r.counters {
		if k.hour < cut {
			taken.counters[k] = row
			delete(r.counters, k)
		}
	}
	for k, v := range r.other {
		if k.hour < cut {
			taken.other[k] = v
			delete(r.other, k)
		}
	}
	for g, b := range r.latency {
		if g.hour < cut {
			taken.latency[g] = b
			delete(r.latency, g)
		}
	}
	r.lastRow = nil
	keep := r.pending
	r.pending = taken
	b := r.batchLocked(nil)
	r.pending = keep
	return b
}

// merge adds o's pending sums (taken before a failed commit) back into r.
// It returns the sums it could not add without passing the int64 range.
func (r *Recorder) merge(o *pending) []Anomaly {
	var lost []Anomaly
	for k, row := range o.counters {
		cur := r.counters[k]
		if cur == nil {
			r.counters[k] = row
			continue
		}
		for i, v := range row {
			var ok bool
			if cur[i], ok = CheckedAdd(cur[i], v); !ok {
				lost = append(lost, sumOverflow(k.mailbox, counterMetrics[i], v))
			}
		}
	}
	for k, v := range o.other {
		var ok bool
		if r.other[k], ok = CheckedAdd(r.other[k], v); !ok {
			lost = append(lost, sumOverflow(k.mailbox, k.metric, v))
		}
	}
	for g, buckets := range o.latency {
		for bucket, n := range buckets {
			r.addLatency(g, bucket, n)
		}
	}
	for k, g := range o.gauges {
		if cur, ok := r.gauges[k]; ok {
			g = g.Merge(cur) // cur was observed after g was taken
		}
		r.gauges[k] = g
	}
	r.events += o.events
	return lost
}
