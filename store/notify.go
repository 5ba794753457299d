package store

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/mailmeter/mailmeter/store/dsn"
)

// quotaChannel is the PostgreSQL channel on which every commit of usage or
// limits is announced, so the quota views of other processes (API
// replicas, a serve beside separate collectors) reload at once instead of
// at their next periodic refresh.
const quotaChannel = "mailmeter_quota"

// Payloads of quotaChannel notifications.
const (
	changedUsage  = "usage"
	changedLimits = "limits"
)

// notifyQuota announces a change in tx. PostgreSQL delivers the
// notification when tx commits, and never if it rolls back; identical
// notifications of one transaction are sent once. On SQLite it does
// nothing (processes sharing a file rely on the periodic refresh).
func (s *Store) notifyQuota(tx *gorm.DB, what string) error {
	if s.dialect != Postgres {
		return nil
	}
	return tx.Exec("SELECT pg_notify(?, ?)", quotaChannel, what).Error
}

// ErrNoNotifications is returned by ListenQuota on a database without
// notifications (SQLite).
var ErrNoNotifications = errors.New("the database has no change notifications (PostgreSQL LISTEN/NOTIFY)")

// ListenQuota calls onChange for every committed change of usage or limits
// (by any process) until ctx ends, and once each time it has (re)connected,
// since changes may have been missed meanwhile. It holds one connection of
// its own, reconnecting with backoff (up to 30 s) when it breaks. It
// returns nil when ctx ends, ErrNoNotifications on SQLite.
func (s *Store) ListenQuota(ctx context.Context, log *slog.Logger, onChange func()) error {
	return s.listenLoop(ctx, log, quotaChannel, "quota change notifications", onChange)
}

// ListenTokens is ListenQuota for token revocations (RevokeToken).
func (s *Store) ListenTokens(ctx context.Context, log *slog.Logger, onChange func()) error {
	return s.listenLoop(ctx, log, tokensChannel, "token revocation notifications", onChange)
}

// listenLoop listens on channel until ctx ends, reconnecting with backoff.
func (s *Store) listenLoop(ctx context.Context, log *slog.Logger, channel, what string, onChange func()) error {
	if s.dialect != Postgres {
		return ErrNoNotifications
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listen(ctx, channel, onChange, func() { backoff = 100 * time.Millisecond })
		if ctx.Err() != nil {
			break
		}
		if log != nil {
			log.Warn(what+" interrupted; reconnecting", "err", err, "in", backoff)
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
	return nil
}

// listen runs one LISTEN connection until it fails or ctx ends.
func (s *Store) listen(ctx context.Context, channel string, onChange, connected func()) error {
	conn, err := pgx.Connect(ctx, s.dsn)
	if err != nil {
		return dsn.Scrub(err, s.dsn)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return err
	}
	connected()
	onChange()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		onChange()
	}
}
