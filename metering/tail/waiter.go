package tail

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/mailmeter/mailmeter/internal/periodic"
)

// Waiter blocks until the tailed file may have changed. Every return is only
// a hint: the Tailer re-checks the files itself.
type Waiter interface {
	// Wait returns nil after a change hint or a poll interval, or ctx's
	// error when ctx ends first. Any error it returns, Next returns.
	Wait(ctx context.Context) error
}

// Poller is a Waiter that waits a fixed interval.
type Poller struct {
	Interval time.Duration
}

// Wait waits p.Interval or until ctx ends.
func (p Poller) Wait(ctx context.Context) error {
	return periodic.Sleep(ctx, p.Interval)
}

// Watcher is a Waiter woken by filesystem events on the files of one
// directory whose names start with a prefix, with a polling backstop.
type Watcher struct {
	w      *fsnotify.Watcher
	prefix string
	poll   Poller
}

// NewWatcher watches the directory of path for events on path and on files
// whose names start with path's (its rotated files), and polls every
// interval. It fails if the directory cannot be watched.
func NewWatcher(path string, interval time.Duration) (*Watcher, error) {
	if interval <= 0 {
		return nil, fmt.Errorf("watch %s: poll interval %s must be positive", path, interval)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", path, err)
	}
	if err := w.Add(filepath.Dir(path)); err != nil {
		w.Close()
		return nil, fmt.Errorf("watch %s: %w", path, err)
	}
	return &Watcher{w: w, prefix: filepath.Base(path), poll: Poller{Interval: interval}}, nil
}

// Wait returns after an event on a watched name, after the poll interval, or
// when ctx ends.
func (w *Watcher) Wait(ctx context.Context) error {
	t := time.NewTimer(w.poll.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		case ev, ok := <-w.w.Events:
			if !ok {
				return w.poll.Wait(ctx)
			}
			if strings.HasPrefix(filepath.Base(ev.Name), w.prefix) {
				w.drain()
				return nil
			}
		case _, ok := <-w.w.Errors:
			if !ok {
				return w.poll.Wait(ctx)
			}
			return nil // an overflow lost events: re-check now
		}
	}
}

// drain drops the events already queued: one look covers them all.
func (w *Watcher) drain() {
	for {
		select {
		case _, ok := <-w.w.Events:
			if !ok {
				return
			}
		default:
			return
		}
	}
}

// Close stops watching.
func (w *Watcher) Close() error {
	if err := w.w.Close(); err != nil && !errors.Is(err, fsnotify.ErrClosed) {
		return err
	}
	return nil
}
