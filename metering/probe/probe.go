// Package probe measures service availability: at an interval it checks
// each configured service the way a client would (greetings, STARTTLS and
// logins, HTTP, round trips into a mailbox, a bare TCP connect: see the
// kinds) and records every check with its time (the evidence the sla
// package computes each service's minutes from) and attempts and
// successes per probe and hour. DNS blocklists are watched apart, by the
// BlacklistMonitor.
package probe

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/mailmeter/mailmeter/internal/periodic"
	"github.com/mailmeter/mailmeter/metering"
)

// Committer stores probe results.
type Committer interface {
	Commit(ctx context.Context, b metering.Batch) error
}

// Runner checks its targets every interval and commits the results: every
// check with its time, and checks and successes per probe and hour.
// Results a commit could not store are kept and sent with the next round.
type Runner struct {
	targets []Target
	store   Committer
	log     *slog.Logger
	now     func() time.Time

	mu      sync.Mutex
	pending map[key]*metering.AvailabilityDelta
	checks  []metering.ProbeCheck // not stored yet, in the order made
	last    map[string]Result
}

type key struct {
	probe string
	hour  int64
}

// Result is a probe's latest check.
type Result struct {
	Probe   string
	At      time.Time
	Up      bool
	Latency time.Duration
	Err     string
	Detail  Detail // what the check learnt beyond up or down
}

// NewRunner returns a Runner of targets.
func NewRunner(targets []Target, store Committer, log *slog.Logger, now func() time.Time) *Runner {
	return &Runner{targets: targets, store: store, log: log, now: now,
		pending: map[key]*metering.AvailabilityDelta{}, last: map[string]Result{}}
}

// Round checks every target once, concurrently, and commits the results.
func (r *Runner) Round(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, t := range r.targets {
		wg.Go(func() {
			start := r.now()
			d, err := CheckDetail(ctx, t)
			if ctx.Err() != nil {
				return // shutting down: not the service's fault
			}
			res := Result{Probe: t.Name, At: start.UTC(), Up: err == nil, Latency: r.now().Sub(start), Detail: d}
			if err != nil {
				res.Err = err.Error()
				r.log.Warn("probe failed", "probe", t.Name, "kind", t.Kind, "address", t.Address, "err", err)
			}
			r.record(res)
		})
	}
	wg.Wait()
	return r.flush(ctx)
}

func (r *Runner) record(res Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last[res.Probe] = res
	h := metering.Hour(res.At)
	k := key{res.Probe, h.Unix()}
	d := r.pending[k]
	if d == nil {
		d = &metering.AvailabilityDelta{Probe: res.Probe, Hour: h}
		r.pending[k] = d
	}
	d.Attempts++
	if res.Up {
		d.Successes++
	}
	r.checks = append(r.checks, metering.ProbeCheck{Probe: res.Probe, At: res.At, Up: res.Up, Latency: res.Latency, Error: res.Err})
}

func (r *Runner) flush(ctx context.Context) error {
	r.mu.Lock()
	b := metering.Batch{Checks: slices.Clone(r.checks)}
	for _, d := range r.pending {
		b.Availability = append(b.Availability, *d)
	}
	r.mu.Unlock()
	if b.Empty() {
		return nil
	}
	if err := r.store.Commit(ctx, b); err != nil {
		return fmt.Errorf("store probe results: %w", err)
	}
	r.mu.Lock()
	r.checks = r.checks[len(b.Checks):] // checks made meanwhile stay
	for _, d := range b.Availability {
		k := key{d.Probe, d.Hour.Unix()}
		if p := r.pending[k]; p != nil {
			p.Attempts -= d.Attempts
			p.Successes -= d.Successes
			if p.Attempts == 0 {
				delete(r.pending, k)
			}
		}
	}
	r.mu.Unlock()
	return nil
}

// Last returns each probe's latest result, by probe name.
func (r *Runner) Last() map[string]Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]Result, len(r.last))
	for k, v := range r.last {
		out[k] = v
	}
	return out
}

// Run does a round on every tick until ctx ends, reporting errors to
// onErr. The first round waits for the first tick: services starting
// beside the prober (or the prober's own process) get an interval to come
// up before they count as down.
func (r *Runner) Run(ctx context.Context, tick <-chan time.Time, onErr func(error)) {
	periodic.Run(ctx, tick, r.Round, onErr)
}
