package periodic_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/periodic"
)

// calls records the start of every call of do and answers errs in turn.
type calls struct {
	at   chan time.Time
	errs []error
	n    int
}

func newCalls(errs ...error) *calls { return &calls{at: make(chan time.Time, 100), errs: errs} }

func (c *calls) do(context.Context) error {
	c.at <- time.Now()
	defer func() { c.n++ }()
	if c.n < len(c.errs) {
		return c.errs[c.n]
	}
	return nil
}

// next waits for the next call, failing after a generous deadline.
func (c *calls) next(t *testing.T) time.Time {
	t.Helper()
	select {
	case at := <-c.at:
		return at
	case <-time.After(5 * time.Second):
		t.Fatal("no call within 5 s")
		return time.Time{}
	}
}

// errLog collects what a loop reports.
type errLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errLog) add(err error) { l.mu.Lock(); l.errs = append(l.errs, err); l.mu.Unlock() }
func (l *errLog) got() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

// start runs loop in a goroutine; stop cancels it and waits for it.
func start(loop func(ctx context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); loop(ctx) }()
	return func() { cancel(); <-done }
}

func TestRunCallsOnEveryTickAndReports(t *testing.T) {
	boom := errors.New("boom")
	c := newCalls(nil, boom, nil)
	var log errLog
	tick := make(chan time.Time)
	stop := start(func(ctx context.Context) { periodic.Run(ctx, tick, c.do, log.add) })
	for i := 0; i < 3; i++ {
		tick <- time.Now()
		c.next(t)
	}
	stop()
	if got := log.got(); len(got) != 1 || got[0] != boom {
		t.Errorf("reported %v, want [boom]", got)
	}
}

func TestRunNilOnErr(t *testing.T) {
	c := newCalls(errors.New("dropped"))
	tick := make(chan time.Time)
	stop := start(func(ctx context.Context) { periodic.Run(ctx, tick, c.do, nil) })
	tick <- time.Now()
	c.next(t)
	stop()
}

// An error of a call the shutdown interrupted is not reported.
func TestRunQuietAfterCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var log errLog
	tick := make(chan time.Time, 1)
	tick <- time.Now()
	periodic.Run(ctx, tick, func(ctx context.Context) error {
		cancel()
		return ctx.Err()
	}, log.add)
	if got := log.got(); len(got) != 0 {
		t.Errorf("reported %v after cancel", got)
	}
}

func TestFollowTicksAndChanges(t *testing.T) {
	c := newCalls()
	tick := make(chan time.Time)
	changes := periodic.NewSignal()
	stop := start(func(ctx context.Context) { periodic.Follow(ctx, tick, changes, 0, c.do, nil) })
	defer stop()
	tick <- time.Now()
	c.next(t)
	changes.Notify()
	c.next(t)
}

// Changes within the gap after a call are folded into one call made once
// the gap has passed.
func TestFollowPacesAndFolds(t *testing.T) {
	const gap = 200 * time.Millisecond
	c := newCalls()
	changes := make(chan struct{}, 5)
	stop := start(func(ctx context.Context) { periodic.Follow(ctx, nil, changes, gap, c.do, nil) })
	changes <- struct{}{}
	first := c.next(t)
	for i := 0; i < 5; i++ {
		changes <- struct{}{}
	}
	second := c.next(t)
	if d := second.Sub(first); d < gap {
		t.Errorf("second call %v after the first, want at least %v", d, gap)
	}
	select {
	case <-c.at:
		t.Error("a third call: the changes within the gap were not folded into one")
	case <-time.After(3 * gap):
	}
	stop()
}

// Nothing runs without a tick or a change, and a change waiting for the
// gap is dropped when the context ends.
func TestFollowStopsWhileWaiting(t *testing.T) {
	c := newCalls()
	changes := periodic.NewSignal()
	stop := start(func(ctx context.Context) { periodic.Follow(ctx, nil, changes, time.Hour, c.do, nil) })
	changes.Notify()
	c.next(t)
	changes.Notify() // waits an hour
	stop()
	if len(c.at) != 0 {
		t.Errorf("%d calls within the gap", len(c.at))
	}
}

func TestEveryStopsItsTicker(t *testing.T) {
	n := 0
	periodic.Every(time.Millisecond, func(tick <-chan time.Time) {
		for range tick {
			if n++; n == 3 {
				return
			}
		}
	})
	if n != 3 {
		t.Errorf("%d ticks", n)
	}
}

func TestSignalFolds(t *testing.T) {
	s := periodic.NewSignal()
	for i := 0; i < 3; i++ {
		s.Notify() // never blocks
	}
	if len(s) != 1 {
		t.Errorf("%d pending, want 1", len(s))
	}
}

func TestSleep(t *testing.T) {
	if err := periodic.Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("Sleep of 1ms: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := periodic.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep with an ended context: %v, want context.Canceled at once", err)
	}
}
