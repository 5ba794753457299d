package main

import (
	"context"
	"sync"
	"time"

	"github.com/mailmeter/mailmeter/internal/periodic"
)

// background is what a command runs beside its main work: goroutines, and
// servers with a wait of their own. stop ends it all and waits for every
// part, so a command that defers stop right after starting the first part
// has one way out, whichever way it returns.
type background struct {
	cancel context.CancelFunc // ends the context every part runs under
	wg     sync.WaitGroup
	waits  []func() error
}

// Go runs f in a goroutine that stop waits for; f must return once the
// context ends.
func (b *background) Go(f func()) { b.wg.Go(f) }

// every runs loop in a goroutine that stop waits for, with the channel of
// a ticker of period d; loop must return once the context ends.
func (b *background) every(d time.Duration, loop func(tick <-chan time.Time)) {
	b.Go(func() { periodic.Every(d, loop) })
}

// wait adds the wait of a part started elsewhere; stop returns its error.
func (b *background) wait(w func() error) { b.waits = append(b.waits, w) }

// stop cancels the context and waits for every part: the waits, latest
// first, then the goroutines. It returns the first error of the waits.
func (b *background) stop() error {
	b.cancel()
	var err error
	for i := len(b.waits) - 1; i >= 0; i-- {
		if werr := b.waits[i](); err == nil {
			err = werr
		}
	}
	b.wg.Wait()
	return err
}
