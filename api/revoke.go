package api

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/internal/periodic"
	"github.com/mailmeter/mailmeter/metering"
)

// RevocationStore keeps revoked token ids (jti), shared by every replica.
type RevocationStore interface {
	// RevokeToken records jti as revoked at at until until (a later
	// until of a second revocation wins). Unavailable if the database
	// cannot be reached.
	RevokeToken(ctx context.Context, jti string, at, until time.Time) error
	// RevokedTokens returns the ids revoked until after now.
	RevokedTokens(ctx context.Context, now time.Time) ([]string, error)
}

// Revocations is the set of revoked token ids every request is checked
// against, in memory: loaded by Refresh (at start, periodically and, on
// PostgreSQL, whenever any process revokes), so the check costs no query.
// A revocation is kept until the token it names would have expired: no
// token lives longer than the maximum lifetime (auth.max_ttl) Verify
// enforces.
type Revocations struct {
	store  RevocationStore
	maxTTL time.Duration
	now    func() time.Time

	mu      sync.RWMutex
	revoked map[string]bool
}

// NewRevocations returns an empty set over s for tokens living at most
// maxTTL (0 = DefaultMaxTTL); call Refresh to load it.
func NewRevocations(s RevocationStore, maxTTL time.Duration, now func() time.Time) *Revocations {
	if maxTTL <= 0 {
		maxTTL = DefaultMaxTTL
	}
	return &Revocations{store: s, maxTTL: maxTTL, now: now, revoked: map[string]bool{}}
}

// Revoked reports whether the token id jti is revoked.
func (r *Revocations) Revoked(jti string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.revoked[jti]
}

// Refresh reloads the set from the store.
func (r *Revocations) Refresh(ctx context.Context) error {
	jtis, err := r.store.RevokedTokens(ctx, r.now())
	if err != nil {
		return err
	}
	set := make(map[string]bool, len(jtis))
	for _, j := range jtis {
		set[j] = true
	}
	r.mu.Lock()
	r.revoked = set
	r.mu.Unlock()
	return nil
}

// Follow refreshes the set on every tick and after every value from
// changes (another process revoked a token), at most once a second, until
// ctx ends, reporting errors to onErr (which may be nil).
func (r *Revocations) Follow(ctx context.Context, tick <-chan time.Time, changes <-chan struct{}, onErr func(error)) {
	periodic.Follow(ctx, tick, changes, time.Second, r.Refresh, onErr)
}

// Revoke denies the token id jti from now on: here at once, in other
// replicas from their next refresh. Invalid (field jti) for a malformed id.
func (r *Revocations) Revoke(ctx context.Context, jti string) error {
	if err := ValidJTI(jti); err != nil {
		return err
	}
	now := r.now()
	if err := r.store.RevokeToken(ctx, jti, now, now.Add(r.maxTTL+MaxClockSkew)); err != nil {
		return err
	}
	r.mu.Lock()
	r.revoked[jti] = true
	r.mu.Unlock()
	return nil
}

// ValidJTI checks a token id: 1 to 128 visible ASCII characters.
func ValidJTI(jti string) error {
	if jti == "" || len(jti) > 128 {
		return metering.FieldError("jti", "token id %q: want 1 to 128 characters", jti)
	}
	for i := 0; i < len(jti); i++ {
		if jti[i] <= ' ' || jti[i] > '~' {
			return metering.FieldError("jti", "token id %q: want visible ASCII characters", jti)
		}
	}
	return nil
}

// revokeToken is DELETE /v1/tokens/{jti}.
func (a *app) revokeToken(c *gin.Context) {
	if a.Revocations == nil {
		a.fail(c, metering.Errorf(metering.Internal, "token revocation is not configured"))
		return
	}
	if err := a.Revocations.Revoke(c.Request.Context(), c.Param("jti")); err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
