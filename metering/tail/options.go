package tail

import (
	"path/filepath"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// Defaults for Options.
const (
	DefaultMaxLineBytes = 1 << 20
	DefaultPollInterval = time.Second
)

// LongLinePolicy says what happens to a line longer than MaxLineBytes.
type LongLinePolicy int

// Long line policies.
const (
	// Truncate delivers the first MaxLineBytes bytes of the line and counts
	// it in Stats.Truncated.
	Truncate LongLinePolicy = iota
	// Skip delivers nothing for the line and counts it in Stats.Skipped.
	Skip
)

// Options tune a Tailer or ReadFile. The zero value is usable.
type Options struct {
	// Waiter is asked to wait when there is nothing to read. Nil means a
	// Watcher on the file's directory polling every PollInterval (or plain
	// polling if the directory cannot be watched); the Tailer closes it.
	Waiter Waiter
	// PollInterval is the default Waiter's backstop; 0 means
	// DefaultPollInterval.
	PollInterval time.Duration
	// MaxLineBytes bounds a line (and so memory); 0 means
	// DefaultMaxLineBytes.
	MaxLineBytes int
	// LongLines says what to do with longer lines.
	LongLines LongLinePolicy
	// Rotated are glob patterns (filepath.Match syntax) naming the rotated
	// files of the path, searched on restart and after a copytruncate. Nil
	// means the path followed by ".[0-9]*" or "-[0-9]*", which covers
	// path.1, path.1.gz, path.0, path-YYYYMMDD and path-YYYYMMDD.gz.
	Rotated []string
	// FromOldest makes a Tailer opened at the zero Position start at the
	// oldest rotated file (with lines) rather than at the file at the path,
	// and read the newer rotated files, then the file at the path. A
	// caller whose source has no committed Position yet sets it when a
	// first run may have read rotated files without committing: the start
	// then does not depend on when the run began.
	FromOldest bool
	// Progress, if set, is called by ReadFile after each read with the bytes
	// of the file consumed so far and its size (compressed bytes for a gzip
	// file), for progress bars.
	Progress func(done, total int64)
}

// Validate reports the first invalid field.
func (o Options) Validate() error {
	switch {
	case o.PollInterval < 0:
		return metering.FieldError("poll_interval", "negative poll interval %s", o.PollInterval)
	case o.MaxLineBytes < 0:
		return metering.FieldError("max_line_bytes", "negative maximum line length %d", o.MaxLineBytes)
	case o.LongLines != Truncate && o.LongLines != Skip:
		return metering.FieldError("long_lines", "unknown long line policy %d", o.LongLines)
	}
	for _, g := range o.Rotated {
		if _, err := filepath.Match(g, ""); err != nil {
			return metering.FieldError("rotated", "bad pattern %q: %v", g, err)
		}
	}
	return nil
}

// withDefaults returns o with zero fields set to their defaults for path.
func (o Options) withDefaults(path string) Options {
	if o.PollInterval == 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.MaxLineBytes == 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.Rotated == nil {
		o.Rotated = []string{path + ".[0-9]*", path + "-[0-9]*"}
	}
	return o
}
