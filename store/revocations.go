package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// tokensChannel is the PostgreSQL channel on which every token revocation
// is announced, so every API replica denies the token at once.
const tokensChannel = "mailmeter_tokens"

// RevokeToken records the token id jti as revoked at at, until until (a
// second revocation keeps the later until), and prunes revocations whose
// until has passed. On PostgreSQL it announces the revocation to
// ListenTokens when the transaction commits.
func (s *Store) RevokeToken(ctx context.Context, jti string, at, until time.Time) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("DELETE FROM token_revocations WHERE expires_at <= ?", at.UTC()).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO token_revocations (jti, revoked_at, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (jti) DO UPDATE SET expires_at = CASE WHEN excluded.expires_at > token_revocations.expires_at
				THEN excluded.expires_at ELSE token_revocations.expires_at END`, jti, at.UTC(), until.UTC()).Error; err != nil {
			return err
		}
		if s.dialect == Postgres {
			return tx.Exec("SELECT pg_notify(?, ?)", tokensChannel, jti).Error
		}
		return nil
	})
	return translate(err, "revoke token %s", jti)
}

// RevokedTokens returns the ids of the tokens revoked until after now.
func (s *Store) RevokedTokens(ctx context.Context, now time.Time) ([]string, error) {
	var jtis []string
	err := s.db.WithContext(ctx).Raw("SELECT jti FROM token_revocations WHERE expires_at > ? ORDER BY jti", now.UTC()).Scan(&jtis).Error
	if err != nil {
		return nil, translate(err, "read token revocations")
	}
	return jtis, nil
}
