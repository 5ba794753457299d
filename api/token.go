package api

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mailmeter/mailmeter/metering"
)

// TokenInput is what minting a token takes.
type TokenInput struct {
	Role    Role
	Subject string
	TTL     time.Duration
}

// MintToken signs a token for in with the configured signing key (SignKID,
// else the HS256 secret), valid from now for TTL (at most MaxTTL), with a
// random id (jti) that revocation names; TokenID reads it back.
func MintToken(cfg AuthConfig, in TokenInput, now time.Time) (string, error) {
	if _, err := ParseRole(string(in.Role)); err != nil {
		return "", err
	}
	if in.Subject == "" {
		return "", errors.New("subject is required")
	}
	if err := metering.CheckText("subject", in.Subject); err != nil {
		return "", err
	}
	if in.Role == RoleMailbox {
		addr, err := metering.NormalizeAddress(in.Subject)
		if err != nil {
			return "", fmt.Errorf("subject of a mailbox token: %w", err)
		}
		in.Subject = addr
	}
	if in.TTL <= 0 {
		return "", errors.New("ttl must be positive")
	}
	if in.TTL > cfg.maxTTL() {
		return "", fmt.Errorf("ttl %v is over the maximum token lifetime of %v (auth.max_ttl)", in.TTL, cfg.maxTTL())
	}
	var jti [12]byte
	_, _ = rand.Read(jti[:])
	c := claims{Role: string(in.Role), RegisteredClaims: jwt.RegisteredClaims{
		Issuer: cfg.Issuer, Subject: in.Subject, Audience: jwt.ClaimStrings{cfg.Audience},
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(in.TTL)), ID: base64.RawURLEncoding.EncodeToString(jti[:]),
	}}
	return sign(cfg, c)
}

// sign signs claims with the configured signing key.
func sign(cfg AuthConfig, c claims) (string, error) {
	if cfg.SignKID == "" {
		if len(cfg.Secret) == 0 {
			return "", errors.New("no signing key: set auth.hs256_secret or auth.sign_kid")
		}
		return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(cfg.Secret)
	}
	for _, k := range cfg.Keys {
		if k.KID != cfg.SignKID {
			continue
		}
		if k.Private == nil {
			return "", fmt.Errorf("key %s has no private key to sign with", k.KID)
		}
		m := jwt.GetSigningMethod(k.Alg)
		if m == nil {
			return "", fmt.Errorf("key %s: unknown algorithm %s", k.KID, k.Alg)
		}
		t := jwt.NewWithClaims(m, c)
		t.Header["kid"] = k.KID
		return t.SignedString(k.Private)
	}
	return "", fmt.Errorf("auth.sign_kid %q names no configured key", cfg.SignKID)
}

// NewSecret returns a random HS256 secret for development.
func NewSecret() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return []byte(base64.RawURLEncoding.EncodeToString(b))
}

// TokenID returns the id (jti) and expiry of a token without verifying it:
// for showing what MintToken made, never for authentication.
func TokenID(token string) (jti string, exp time.Time, err error) {
	var c claims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &c); err != nil {
		return "", time.Time{}, err
	}
	if c.ExpiresAt != nil {
		exp = c.ExpiresAt.Time
	}
	return c.ID, exp, nil
}
