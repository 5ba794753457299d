package loggen

import (
	"bytes"
	"context"
	"io"
	"time"

	"github.com/mailmeter/mailmeter/internal/periodic"
)

// Pacer passes lines on to w at a steady rate, one Write per line so a
// tailer never sees half a line. Once ctx is done it writes what it is
// given at once, so everything the generator counted reaches the file.
type Pacer struct {
	ctx   context.Context
	w     io.Writer
	every time.Duration // between lines
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
	due   time.Time // when the next line is due
}

// NewPacer returns a Pacer writing perSecond lines a second to w, reading
// the time from now and waiting with sleep (SleepContext in production; a
// fake clock's in tests).
func NewPacer(ctx context.Context, w io.Writer, perSecond float64, now func() time.Time,
	sleep func(context.Context, time.Duration) error) *Pacer {
	return &Pacer{ctx: ctx, w: w, every: time.Duration(float64(time.Second) / perSecond), now: now, sleep: sleep}
}

// Write passes b on line by line, each when it is due.
func (p *Pacer) Write(b []byte) (int, error) {
	if p.ctx.Err() != nil {
		return p.w.Write(b)
	}
	if p.due.IsZero() {
		p.due = p.now()
	}
	done := 0
	for done < len(b) {
		n := bytes.IndexByte(b[done:], '\n') + 1
		if n == 0 {
			n = len(b) - done
		}
		if wait := p.due.Sub(p.now()); wait > 0 && p.ctx.Err() == nil {
			_ = p.sleep(p.ctx, wait) // interrupted: write the rest at once
		}
		if _, err := p.w.Write(b[done : done+n]); err != nil {
			return done, err
		}
		done += n
		p.due = p.due.Add(p.every)
	}
	return done, nil
}

// SleepContext waits for d or until ctx is done (periodic.Sleep).
func SleepContext(ctx context.Context, d time.Duration) error {
	return periodic.Sleep(ctx, d)
}
