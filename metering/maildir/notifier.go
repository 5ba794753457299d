package maildir

import (
	"errors"
	"fmt"
	"sync"
	"syscall"

	"github.com/fsnotify/fsnotify"
)

// Notifier tells the Watcher which directories changed. It is the seam
// between the Watcher and inotify; tests drive the Watcher through it or
// limit its watches.
type Notifier interface {
	// Add starts watching the directory dir (not its subdirectories).
	// Returns an error wrapping syscall.ENOSPC when the watch limit is
	// reached.
	Add(dir string) error
	// Remove stops watching dir.
	Remove(dir string) error
	// Events delivers, for each change, the path of the entry that changed
	// in a watched directory, or of the watched directory itself. An event
	// is only a hint: the Watcher re-reads the directory.
	Events() <-chan string
	// Errors delivers watch errors; one wrapping ErrOverflow means events
	// were lost.
	Errors() <-chan error
	// Close stops all watches and closes Events and Errors.
	Close() error
}

// ErrOverflow reports that the kernel dropped events.
const ErrOverflow = constError("maildir: notification queue overflow")

// constError is an error that can be a constant.
type constError string

func (e constError) Error() string { return string(e) }

// fsNotifier is the inotify Notifier, through fsnotify.
type fsNotifier struct {
	w      *fsnotify.Watcher
	events chan string
	errs   chan error
	done   chan struct{}
	once   sync.Once
}

// NewNotifier returns a Notifier backed by fsnotify (inotify on Linux).
func NewNotifier() (Notifier, error) {
	w, err := fsnotify.NewBufferedWatcher(4096)
	if err != nil {
		return nil, fmt.Errorf("start fsnotify: %w", err)
	}
	n := &fsNotifier{w: w, events: make(chan string, 256), errs: make(chan error, 16), done: make(chan struct{})}
	go n.forward()
	return n, nil
}

// forward turns fsnotify events into paths until the watcher closes.
func (n *fsNotifier) forward() {
	defer close(n.events)
	defer close(n.errs)
	for {
		select {
		case ev, ok := <-n.w.Events:
			if !ok {
				return
			}
			select {
			case n.events <- ev.Name:
			case <-n.done:
				return
			}
		case err, ok := <-n.w.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				err = fmt.Errorf("%w: %v", ErrOverflow, err)
			}
			select {
			case n.errs <- err:
			case <-n.done:
				return
			}
		case <-n.done:
			return
		}
	}
}

func (n *fsNotifier) Add(dir string) error    { return n.w.Add(dir) }
func (n *fsNotifier) Remove(dir string) error { return n.w.Remove(dir) }
func (n *fsNotifier) Events() <-chan string   { return n.events }
func (n *fsNotifier) Errors() <-chan error    { return n.errs }

func (n *fsNotifier) Close() error {
	n.once.Do(func() { close(n.done) })
	return n.w.Close()
}

// limitNotifier caps the number of watches of another Notifier, failing
// Add with ENOSPC beyond it, as the kernel does at
// fs.inotify.max_user_watches.
type limitNotifier struct {
	Notifier
	max     int
	mu      sync.Mutex
	watched map[string]bool
}

func (l *limitNotifier) Add(dir string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.watched[dir] && len(l.watched) >= l.max {
		return fmt.Errorf("watch %s: %d watches (MaxWatches): %w", dir, l.max, syscall.ENOSPC)
	}
	if err := l.Notifier.Add(dir); err != nil {
		return err
	}
	l.watched[dir] = true
	return nil
}

func (l *limitNotifier) Remove(dir string) error {
	l.mu.Lock()
	delete(l.watched, dir)
	l.mu.Unlock()
	return l.Notifier.Remove(dir)
}
