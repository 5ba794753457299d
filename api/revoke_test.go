package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// DELETE /v1/tokens/{jti} denies the token at once in the API that revoked
// it, and in a second API over the same database once it refreshes; other
// tokens go on working. A malformed id is a 400 naming jti.
func TestRevokeToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		admin := token(t, api.RoleAdmin, "ops")
		alice := token(t, api.RoleMailbox, "alice@acme.example")
		bob := token(t, api.RoleMailbox, "bob@acme.example")
		jti, _, err := api.TokenID(alice)
		if err != nil {
			t.Fatal(err)
		}
		if rec := e.do("GET", "/v1/mailboxes/alice@acme.example/quota", alice, nil); rec.Code != http.StatusOK {
			t.Fatalf("before revocation: %d %s", rec.Code, rec.Body.String())
		}
		// A second replica, already running.
		replica := api.NewRevocations(s, 0, clock)
		if err := replica.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		if rec := e.do("DELETE", "/v1/tokens/"+jti, admin, nil); rec.Code != http.StatusNoContent {
			t.Fatalf("revoke: %d %s", rec.Code, rec.Body.String())
		}
		rec := e.do("GET", "/v1/mailboxes/alice@acme.example/quota", alice, nil)
		problem(t, rec, http.StatusUnauthorized, "unauthorized", "")
		if !strings.Contains(rec.Body.String(), "revoked") {
			t.Errorf("the 401 does not say why: %s", rec.Body.String())
		}
		if rec := e.do("GET", "/v1/mailboxes/bob@acme.example/quota", bob, nil); rec.Code != http.StatusOK {
			t.Errorf("another token was denied: %d", rec.Code)
		}
		if replica.Revoked(jti) {
			t.Fatal("the replica knew before refreshing")
		}
		if err := replica.Refresh(context.Background()); err != nil || !replica.Revoked(jti) {
			t.Errorf("the replica does not deny the token after a refresh: %v", err)
		}
		if rec := e.do("DELETE", "/v1/tokens/"+jti, admin, nil); rec.Code != http.StatusNoContent {
			t.Errorf("revoking again: %d", rec.Code)
		}
		problem(t, e.do("DELETE", "/v1/tokens/"+strings.Repeat("x", 129), admin, nil), http.StatusBadRequest, "invalid", "jti")
	})
}

// A revocation is kept as long as a token it names could live (auth.max_ttl
// and the clock skew), then pruned.
func TestRevocationsExpire(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := t0
		revs := api.NewRevocations(s, 48*time.Hour, func() time.Time { return now })
		if err := revs.Revoke(ctx, "old"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			at   time.Duration
			want bool
		}{{47 * time.Hour, true}, {48*time.Hour + api.MaxClockSkew - time.Second, true}, {48*time.Hour + api.MaxClockSkew, false}} {
			now = t0.Add(c.at)
			if err := revs.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			if revs.Revoked("old") != c.want {
				t.Errorf("at +%v: revoked %v, want %v", c.at, !c.want, c.want)
			}
		}
		if err := revs.Revoke(ctx, "new"); err != nil { // prunes "old"
			t.Fatal(err)
		}
		jtis, err := s.RevokedTokens(ctx, time.Time{})
		if err != nil || len(jtis) != 1 || jtis[0] != "new" {
			t.Errorf("stored revocations %v, %v; want only the new one", jtis, err)
		}
	})
}

// Follow reloads the revoked ids when another process announces a
// revocation.
func TestRevocationsFollowChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		revs := api.NewRevocations(s, 0, clock)
		if err := revs.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		const jti = "0123456789abcdef0123456789abcdef"
		if err := s.RevokeToken(context.Background(), jti, t0, t0.Add(time.Hour)); err != nil { // by another replica
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		changes := make(chan struct{})
		done := make(chan struct{})
		go func() { defer close(done); revs.Follow(ctx, nil, changes, nil) }()
		changes <- struct{}{} // the announcement
		changes <- struct{}{} // taken once the reload it caused is done
		cancel()
		<-done
		if !revs.Revoked(jti) {
			t.Error("the token revoked elsewhere is not denied after the announcement")
		}
	})
}
