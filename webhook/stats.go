package webhook

import (
	"context"
	"time"
)

// Stats describe an outbox for monitoring (mailmeter check webhooks).
type Stats struct {
	Pending       int       // not delivered, still to be tried
	OldestPending time.Time // creation of the oldest pending event; zero without one
	GivenUp       int       // given up (after MaxAttempts) among the events created since the window's start
}

// StatsReader reads an outbox's Stats.
type StatsReader interface {
	// OutboxStats returns the outbox's stats at now, counting given-up
	// events created since since.
	OutboxStats(ctx context.Context, now, since time.Time) (Stats, error)
}

// GiveUpAfter is how far in the future a given-up event's next attempt is
// put: it is never tried again, and stays in the outbox with its error.
const GiveUpAfter = 100 * 365 * 24 * time.Hour

// GivenUpSince is the earliest next attempt of a given-up event at now:
// store queries compare against it.
func GivenUpSince(now time.Time) time.Time { return now.Add(GiveUpAfter / 2) }
