package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/store"
)

// startRevocations loads the revoked token ids and keeps them current (see
// follow): a token revoked through another process (an API replica,
// `mailmeter token revoke`) is denied here too.
func startRevocations(ctx context.Context, bg *background, s *store.Store, maxTTL time.Duration, log *slog.Logger, refresh time.Duration) (*api.Revocations, error) {
	revs := api.NewRevocations(s, maxTTL, time.Now)
	if err := follow(ctx, bg, revs, refresh, s.ListenTokens, log, "token revocations refresh failed"); err != nil {
		return nil, err
	}
	return revs, nil
}
