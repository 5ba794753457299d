package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/store"
)

// startRevocations loads the revoked token ids and reloads them every
// refresh until ctx ends, so a token revoked through another process (an
// API replica, `mailmeter token revoke`) is denied here too; on PostgreSQL
// also as soon as it is revoked (LISTEN/NOTIFY), at most once a second.
func startRevocations(ctx context.Context, s *store.Store, maxTTL time.Duration, log *slog.Logger, refresh time.Duration) (*api.Revocations, error) {
	revs := api.NewRevocations(s, maxTTL, time.Now)
	if err := revs.Refresh(ctx); err != nil {
		return nil, err
	}
	reload := make(chan time.Time, 1)
	poke := func() {
		select {
		case reload <- time.Now():
		default: // a reload is pending already
		}
	}
	go runEvery(refresh, func(tick <-chan time.Time) {
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick:
				poke()
			}
		}
	})
	if s.Dialect() == store.Postgres {
		go s.ListenTokens(ctx, log, poke)
	}
	go revs.Run(ctx, paced(ctx, reload, time.Second), func(err error) { log.Warn("token revocations refresh failed", "err", err) })
	return revs, nil
}
