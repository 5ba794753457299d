package api_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/store/storetest"
)

type keys struct {
	ed     ed25519.PrivateKey
	rsa    *rsa.PrivateKey
	rsaPEM []byte // the RSA public key as PEM, what an attacker can read
	other  *rsa.PrivateKey
}

func newKeys(t *testing.T) keys {
	t.Helper()
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&rk.PublicKey)
	return keys{ed: ed, rsa: rk, other: other, rsaPEM: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})}
}

func (k keys) auth(t *testing.T) api.AuthConfig {
	t.Helper()
	ac := testAuth()
	rsaKey, err := api.ParseKey("rsa-2026", "RS256", k.rsaPEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	ac.Keys = []api.Key{
		{KID: "ed-2026", Alg: "EdDSA", Public: k.ed.Public()},
		{KID: "ed-2025", Alg: "EdDSA", Public: mustEd(t)},
		rsaKey,
	}
	return ac
}

func mustEd(t *testing.T) ed25519.PublicKey {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// claimsAt returns valid admin claims, adjusted by edit.
func claimsAt(edit func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{"iss": "mailmeter", "aud": "mailmeter", "sub": "ops", "role": "admin",
		"iat": t0.Unix(), "nbf": t0.Unix(), "exp": t0.Add(time.Hour).Unix(), "jti": "jti-1"}
	if edit != nil {
		edit(c)
	}
	return c
}

func sign(t *testing.T, m jwt.SigningMethod, kid string, c jwt.MapClaims, key any) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJWT(t *testing.T) {
	k := newKeys(t)
	e := newEnvAuth(t, storetest.SQLite(t), k.auth(t))
	secret := []byte(testSecret)
	hs := func(edit func(jwt.MapClaims)) string {
		return sign(t, jwt.SigningMethodHS256, "", claimsAt(edit), secret)
	}
	unsigned := func() string {
		s, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claimsAt(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
		return s
	}
	b64 := base64.RawURLEncoding.EncodeToString
	tests := []struct {
		name  string
		token string
		want  int
	}{
		{"hs256 valid", hs(nil), 200},
		{"eddsa by kid", sign(t, jwt.SigningMethodEdDSA, "ed-2026", claimsAt(nil), k.ed), 200},
		{"rs256 by kid", sign(t, jwt.SigningMethodRS256, "rsa-2026", claimsAt(nil), k.rsa), 200},
		{"expired 61s ago", hs(func(c jwt.MapClaims) { c["exp"] = t0.Add(-61 * time.Second).Unix() }), 401},
		{"expired 59s ago (within skew)", hs(func(c jwt.MapClaims) { c["exp"] = t0.Add(-59 * time.Second).Unix() }), 200},
		{"no exp", hs(func(c jwt.MapClaims) { delete(c, "exp") }), 401},
		{"not yet valid", hs(func(c jwt.MapClaims) { c["nbf"] = t0.Add(2 * time.Minute).Unix() }), 401},
		{"issued in the future", hs(func(c jwt.MapClaims) { c["iat"] = t0.Add(2 * time.Minute).Unix() }), 401},
		{"wrong issuer", hs(func(c jwt.MapClaims) { c["iss"] = "evil" }), 401},
		{"wrong audience", hs(func(c jwt.MapClaims) { c["aud"] = "billing" }), 401},
		{"unknown role", hs(func(c jwt.MapClaims) { c["role"] = "root" }), 401},
		{"no subject", hs(func(c jwt.MapClaims) { delete(c, "sub") }), 401},
		{"no jti", hs(func(c jwt.MapClaims) { delete(c, "jti") }), 401},
		{"lifetime of max_ttl (a year)", hs(func(c jwt.MapClaims) { c["exp"] = t0.Add(api.DefaultMaxTTL).Unix() }), 200},
		{"lifetime over max_ttl", hs(func(c jwt.MapClaims) { c["exp"] = t0.Add(api.DefaultMaxTTL + 2*time.Minute).Unix() }), 401},
		{"lifetime over max_ttl, no iat", hs(func(c jwt.MapClaims) {
			delete(c, "iat")
			c["exp"] = t0.Add(100 * api.DefaultMaxTTL).Unix()
		}), 401},
		{"wrong hs256 secret", sign(t, jwt.SigningMethodHS256, "", claimsAt(nil), []byte("another-secret-another-secret-0000")), 401},
		{"eddsa with the old kid's key", sign(t, jwt.SigningMethodEdDSA, "ed-2025", claimsAt(nil), k.ed), 401},
		{"rs256 wrong key", sign(t, jwt.SigningMethodRS256, "rsa-2026", claimsAt(nil), k.other), 401},
		{"alg none", unsigned(), 401},
		{"alg none with kid", strings.Replace(unsigned(), b64([]byte(`{"alg":"none","typ":"JWT"}`)), b64([]byte(`{"alg":"none","kid":"rsa-2026","typ":"JWT"}`)), 1), 401},
		{"hs256 keyed with the rsa public key (by kid)", sign(t, jwt.SigningMethodHS256, "rsa-2026", claimsAt(nil), k.rsaPEM), 401},
		{"hs256 keyed with the rsa public key (no kid)", sign(t, jwt.SigningMethodHS256, "", claimsAt(nil), k.rsaPEM), 401},
		{"rs256 without kid", sign(t, jwt.SigningMethodRS256, "", claimsAt(nil), k.rsa), 401},
		{"eddsa token under the rsa kid", sign(t, jwt.SigningMethodEdDSA, "rsa-2026", claimsAt(nil), k.ed), 401},
		{"unknown kid", sign(t, jwt.SigningMethodEdDSA, "ed-1999", claimsAt(nil), k.ed), 401},
		{"malformed header", b64([]byte(`{"alg":`)) + "." + b64([]byte(`{}`)) + ".sig", 401},
		{"not a jwt", "hello", 401},
		{"hs384", sign(t, jwt.SigningMethodHS384, "", claimsAt(nil), secret), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do("GET", "/v1/customers", tt.token, nil)
			if tt.want == 200 {
				if rec.Code != 200 {
					t.Errorf("status %d, want 200: %s", rec.Code, rec.Body.String())
				}
				return
			}
			problem(t, rec, http.StatusUnauthorized, "unauthorized", "")
			if rec.Header().Get("WWW-Authenticate") == "" {
				t.Error("no WWW-Authenticate header")
			}
		})
	}
	t.Run("no header", func(t *testing.T) { problem(t, e.do("GET", "/v1/customers", "", nil), 401, "unauthorized", "") })
	t.Run("basic auth", func(t *testing.T) {
		req, _ := http.NewRequest("GET", "/v1/customers", nil)
		req.Header.Set("Authorization", "Basic b3BzOnB3")
		rec := httptestServe(e, req)
		problem(t, rec, 401, "unauthorized", "")
	})
}

// Tokens minted with a private key verify against its public half.
func TestMintWithSigningKey(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	key, err := api.ParseKey("ed-sign", "EdDSA", nil, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	ac := api.AuthConfig{Issuer: "mailmeter", Audience: "mailmeter", Keys: []api.Key{key}, SignKID: "ed-sign"}
	tok, err := api.MintToken(ac, api.TokenInput{Role: api.RoleMailbox, Subject: "Alice@ACME.example", TTL: time.Hour}, t0)
	if err != nil {
		t.Fatal(err)
	}
	v, err := api.NewVerifier(ac, clock)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(tok)
	if err != nil || p.Role != api.RoleMailbox || p.Subject != "alice@acme.example" {
		t.Fatalf("Verify = %+v, %v", p, err)
	}
	if _, err := api.NewVerifier(api.AuthConfig{Issuer: "x", Audience: "y"}, clock); err == nil {
		t.Error("a verifier without keys was accepted")
	}
}

// A remembered token still expires.
func TestVerifiedTokenExpires(t *testing.T) {
	now := t0
	v, err := api.NewVerifier(testAuth(), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	tok := token(t, api.RoleAdmin, "ops") // valid for an hour from t0
	for _, at := range []time.Duration{0, time.Hour + 59*time.Second} {
		now = t0.Add(at)
		if _, err := v.Verify(tok); err != nil {
			t.Fatalf("at +%v: %v", at, err)
		}
	}
	now = t0.Add(time.Hour + 61*time.Second)
	if _, err := v.Verify(tok); err == nil {
		t.Error("an expired token was accepted from the cache")
	}
}

// MintToken gives every token its own jti and refuses a lifetime over
// auth.max_ttl (default a year).
func TestMintTokenIDAndMaxTTL(t *testing.T) {
	ac := testAuth()
	seen := map[string]bool{}
	for range 3 {
		tok, err := api.MintToken(ac, api.TokenInput{Role: api.RoleAdmin, Subject: "ops", TTL: time.Hour}, t0)
		if err != nil {
			t.Fatal(err)
		}
		jti, exp, err := api.TokenID(tok)
		if err != nil || len(jti) < 16 || seen[jti] || !exp.Equal(t0.Add(time.Hour)) {
			t.Fatalf("TokenID = %q, %v, %v (seen %v)", jti, exp, err, seen)
		}
		seen[jti] = true
	}
	for _, c := range []struct {
		max, ttl time.Duration
		ok       bool
	}{
		{0, api.DefaultMaxTTL, true},
		{0, 876000 * time.Hour, false},
		{48 * time.Hour, 48 * time.Hour, true},
		{48 * time.Hour, 49 * time.Hour, false},
	} {
		ac.MaxTTL = c.max
		_, err := api.MintToken(ac, api.TokenInput{Role: api.RoleAdmin, Subject: "ops", TTL: c.ttl}, t0)
		if (err == nil) != c.ok || (err != nil && !strings.Contains(err.Error(), "auth.max_ttl")) {
			t.Errorf("max %v, ttl %v: %v", c.max, c.ttl, err)
		}
	}
}
