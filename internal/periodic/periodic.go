package periodic

import (
	"context"
	"time"
)

// Run calls do on every tick until ctx ends, reporting its errors to
// onErr. The first call waits for the first tick.
func Run(ctx context.Context, tick <-chan time.Time, do func(context.Context) error, onErr func(error)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
		report(ctx, do(ctx), onErr)
	}
}

// Every calls loop with the channel of a ticker of period d and stops the
// ticker when loop returns.
func Every(d time.Duration, loop func(tick <-chan time.Time)) {
	t := time.NewTicker(d)
	defer t.Stop()
	loop(t.C)
}

// Follow calls do on every tick and on every value from changes, but
// never twice within gap: what arrives meanwhile is folded into one call
// made once gap has passed. It returns when ctx ends; do's errors go to
// onErr.
func Follow(ctx context.Context, tick <-chan time.Time, changes <-chan struct{}, gap time.Duration, do func(context.Context) error, onErr func(error)) {
	var (
		pending bool             // a call is due
		last    time.Time        // when the last call started
		wait    *time.Timer      // running while a due call waits for gap
		waited  <-chan time.Time // wait's channel while it runs
	)
	defer func() {
		if wait != nil {
			wait.Stop()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			pending = true
		case <-changes:
			pending = true
		case <-waited:
			waited = nil
		}
		if !pending || waited != nil {
			continue
		}
		if d := gap - time.Since(last); d > 0 {
			if wait == nil {
				wait = time.NewTimer(d)
			} else {
				wait.Reset(d)
			}
			waited = wait.C
			continue
		}
		pending, last = false, time.Now()
		report(ctx, do(ctx), onErr)
	}
}

// Sleep waits d or until ctx ends, and then returns ctx's error.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// report passes err to onErr unless it is nil, onErr is nil or ctx has
// ended.
func report(ctx context.Context, err error, onErr func(error)) {
	if err != nil && ctx.Err() == nil && onErr != nil {
		onErr(err)
	}
}

// Signal announces changes to a Follow loop: Notify never blocks, and
// notifications made while one is pending are folded into it. The zero
// value is not usable; make one with NewSignal.
type Signal chan struct{}

// NewSignal returns a Signal with nothing pending.
func NewSignal() Signal { return make(Signal, 1) }

// Notify announces a change. It is safe for concurrent use.
func (s Signal) Notify() {
	select {
	case s <- struct{}{}:
	default: // one is pending already
	}
}
