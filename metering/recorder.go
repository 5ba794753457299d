package metering

import (
	"context"
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

type latencyKey struct {
	hour      int64
	direction Direction
	domain    string
	bucket    int
}

// pending holds sums taken out of a Recorder for a flush.
type pending struct {
	counters map[counterKey]int64
	gauges   map[gaugeKey]GaugeDelta
	latency  map[latencyKey]int64
	events   int64
}

// Recorder is the Sink of one source: it sums events per (mailbox, metric,
// hour) in memory and flushes the sums, with the source's checkpoint, in one
// store transaction. A failed flush keeps everything pending, so retrying
// the flush (without feeding more events) commits exactly once.
type Recorder struct {
	store    Committer
	onCommit func(Batch)

	mu       sync.Mutex
	counters map[counterKey]int64
	gauges   map[gaugeKey]GaugeDelta
	latency  map[latencyKey]int64
	events   int64
}

// NewRecorder returns a Recorder writing to store. onCommit, if not nil, is
// called with every committed batch (to keep in-memory views current).
func NewRecorder(store Committer, onCommit func(Batch)) *Recorder {
	r := &Recorder{store: store, onCommit: onCommit}
	r.reset()
	return r
}

func (r *Recorder) reset() {
	r.counters = map[counterKey]int64{}
	r.gauges = map[gaugeKey]GaugeDelta{}
	r.latency = map[latencyKey]int64{}
	r.events = 0
}

// Count adds an event. Events without a mailbox or with a zero value are
// ignored.
func (r *Recorder) Count(e Event) {
	if e.Mailbox == "" || e.Value == 0 {
		return
	}
	r.mu.Lock()
	r.counters[counterKey{e.Mailbox, e.Metric, Hour(e.Time).Unix()}] += e.Value
	r.events++
	r.mu.Unlock()
}

// Latency adds a delivery delay sample, service-wide and for its domain.
func (r *Recorder) Latency(s LatencySample) {
	h, b := Hour(s.Time).Unix(), BucketOf(s.Delay)
	r.mu.Lock()
	r.latency[latencyKey{h, s.Direction, "", b}]++
	if s.Domain != "" {
		r.latency[latencyKey{h, s.Direction, s.Domain, b}]++
	}
	r.events++
	r.mu.Unlock()
}

// Storage records a storage observation as the two gauges.
func (r *Recorder) Storage(s StorageSample) {
	r.mu.Lock()
	r.gauge(s, StorageBytes, s.Bytes)
	r.gauge(s, StorageMessages, s.Messages)
	r.events++
	r.mu.Unlock()
}

func (r *Recorder) gauge(s StorageSample, m Metric, v int64) {
	h := Hour(s.Time)
	k := gaugeKey{s.Mailbox, s.Folder, m, h.Unix()}
	g, ok := r.gauges[k]
	if !ok {
		g = GaugeDelta{Mailbox: s.Mailbox, Folder: s.Folder, Metric: m, Hour: h, Max: v}
	}
	if !s.Time.Before(g.ObservedAt) {
		g.Last, g.ObservedAt = v, s.Time.UTC()
	}
	if v > g.Max {
		g.Max = v
	}
	r.gauges[k] = g
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
	for k, v := range r.counters {
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
	for k, n := range r.latency {
		b.Latency = append(b.Latency, LatencyDelta{time.Unix(k.hour, 0).UTC(), k.direction, k.domain, k.bucket, n})
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
// next flush. On error the flushed sums are put back: call Flush again with
// the same checkpoint. A source that checkpoints must not feed events
// between a failed Flush and its retry, or they would be committed under the
// old checkpoint.
func (r *Recorder) Flush(ctx context.Context, cp *Checkpoint) error {
	r.mu.Lock()
	b := r.batchLocked(cp)
	taken := pending{r.counters, r.gauges, r.latency, r.events}
	r.reset()
	r.mu.Unlock()
	if b.Empty() && cp == nil {
		return nil
	}
	if err := r.store.Commit(ctx, b); err != nil {
		r.mu.Lock()
		r.merge(&taken)
		r.mu.Unlock()
		return err
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

// merge adds o's pending sums (taken before a failed commit) back into r.
func (r *Recorder) merge(o *pending) {
	for k, v := range o.counters {
		r.counters[k] += v
	}
	for k, n := range o.latency {
		r.latency[k] += n
	}
	for k, g := range o.gauges {
		cur, ok := r.gauges[k]
		if !ok {
			r.gauges[k] = g
			continue
		}
		if g.ObservedAt.After(cur.ObservedAt) {
			cur.Last, cur.ObservedAt = g.Last, g.ObservedAt
		}
		if g.Max > cur.Max {
			cur.Max = g.Max
		}
		r.gauges[k] = cur
	}
	r.events += o.events
}
