package api

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/mailmeter/mailmeter/metering"
)

// Role is what a token's bearer may do.
type Role string

// Roles.
const (
	RoleAdmin    Role = "admin"    // the operator: everything
	RoleCustomer Role = "customer" // subject = customer id: its own domains and mailboxes
	RoleMailbox  Role = "mailbox"  // subject = address: its own usage and quota
	RoleService  Role = "service"  // ingest and quota checks
)

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleAdmin, RoleCustomer, RoleMailbox, RoleService:
		return r, nil
	}
	return "", fmt.Errorf("role %q: want admin, customer, mailbox or service", s)
}

// Principal is the authenticated caller of a request.
type Principal struct {
	Role    Role
	Subject string
	JTI     string // the token's id, which revocation names
}

// MaxClockSkew is the leeway allowed on exp, nbf and iat.
const MaxClockSkew = 60 * time.Second

// DefaultMaxTTL is the longest token lifetime when AuthConfig.MaxTTL is 0.
const DefaultMaxTTL = 365 * 24 * time.Hour

// Key is a named asymmetric key: Public verifies, Private (optional) signs.
type Key struct {
	KID     string
	Alg     string // EdDSA | RS256
	Public  crypto.PublicKey
	Private crypto.Signer
}

// AuthConfig is the key material and claims checked on every token.
type AuthConfig struct {
	Issuer   string
	Audience string
	Secret   []byte // HS256; tokens without kid
	Keys     []Key  // EdDSA/RS256 selected by kid
	SignKID  string // key `token create` signs with; "" = the HS256 secret
	// MaxTTL is the longest lifetime (exp - iat) of a token minted or
	// accepted; 0 = DefaultMaxTTL.
	MaxTTL time.Duration
}

// maxTTL returns MaxTTL or its default.
func (c AuthConfig) maxTTL() time.Duration {
	if c.MaxTTL <= 0 {
		return DefaultMaxTTL
	}
	return c.MaxTTL
}

// Configured reports whether any verification key is set.
func (c AuthConfig) Configured() bool { return len(c.Secret) > 0 || len(c.Keys) > 0 }

// claims are the JWT claims mailmeter reads.
type claims struct {
	Role string `json:"role"`
	jwt.RegisteredClaims
}

// Verifier validates bearer tokens. Tokens it has verified are remembered
// until they expire, so a client reusing its token (a webmail polling its
// quota bar) costs a map look-up, not a signature check. The cache is keyed
// by the whole token text, signature included, so only that exact token
// matches.
type Verifier struct {
	cfg    AuthConfig
	keys   map[string]Key
	parser *jwt.Parser
	now    func() time.Time

	mu    sync.RWMutex
	known map[string]verified
}

type verified struct {
	p   Principal
	exp time.Time
}

// maxKnownTokens bounds the verified-token cache; a full cache starts over.
const maxKnownTokens = 4096

// NewVerifier returns a Verifier for cfg using now as its clock. It
// refuses a configuration without keys or with an unusable key.
func NewVerifier(cfg AuthConfig, now func() time.Time) (*Verifier, error) {
	if !cfg.Configured() {
		return nil, errors.New("no JWT key configured: set auth.hs256_secret (or MAILMETER_JWT_SECRET) or auth.keys")
	}
	v := &Verifier{cfg: cfg, keys: map[string]Key{}, now: now, known: map[string]verified{}}
	for _, k := range cfg.Keys {
		if err := checkKey(k); err != nil {
			return nil, err
		}
		v.keys[k.KID] = k
	}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{"HS256", "EdDSA", "RS256"}),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithIssuer(cfg.Issuer), jwt.WithAudience(cfg.Audience),
		jwt.WithLeeway(MaxClockSkew), jwt.WithTimeFunc(now),
	)
	return v, nil
}

func checkKey(k Key) error {
	switch k.Alg {
	case "EdDSA":
		if _, ok := k.Public.(ed25519.PublicKey); !ok {
			return fmt.Errorf("key %s: EdDSA needs an Ed25519 public key", k.KID)
		}
	case "RS256":
		if _, ok := k.Public.(*rsa.PublicKey); !ok {
			return fmt.Errorf("key %s: RS256 needs an RSA public key", k.KID)
		}
	default:
		return fmt.Errorf("key %s: algorithm %q: want EdDSA or RS256", k.KID, k.Alg)
	}
	return nil
}

// keyFor selects the verification key from the token header: by kid for
// asymmetric keys, the HS256 secret without kid. The token's alg must be
// the key's, so no key can be used with another algorithm.
func (v *Verifier) keyFor(t *jwt.Token) (any, error) {
	alg := t.Method.Alg()
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		if alg != "HS256" || len(v.cfg.Secret) == 0 {
			return nil, fmt.Errorf("token without kid must be HS256 with the configured secret")
		}
		return v.cfg.Secret, nil
	}
	k, ok := v.keys[kid]
	if !ok {
		return nil, fmt.Errorf("unknown kid %q", kid)
	}
	if k.Alg != alg {
		return nil, fmt.Errorf("kid %q is %s, token says %s", kid, k.Alg, alg)
	}
	return k.Public, nil
}

// Verify parses and validates a token and returns its principal, or an
// Unauthorized error saying why.
func (v *Verifier) Verify(token string) (Principal, error) {
	v.mu.RLock()
	k, ok := v.known[token]
	v.mu.RUnlock()
	if ok && v.now().Before(k.exp.Add(MaxClockSkew)) {
		return k.p, nil
	}
	var c claims
	if _, err := v.parser.ParseWithClaims(token, &c, v.keyFor); err != nil {
		return Principal{}, metering.Errorf(metering.Unauthorized, "invalid token: %v", err)
	}
	role, err := ParseRole(c.Role)
	if err != nil {
		return Principal{}, metering.Errorf(metering.Unauthorized, "invalid token: %v", err)
	}
	if c.Subject == "" {
		return Principal{}, metering.Errorf(metering.Unauthorized, "invalid token: no subject")
	}
	if err := metering.CheckText("sub", c.Subject); err != nil {
		return Principal{}, &metering.Error{Kind: metering.Unauthorized, Field: "sub", Message: "invalid token", Err: err}
	}
	if c.ID == "" {
		return Principal{}, metering.Errorf(metering.Unauthorized, "invalid token: no jti")
	}
	start := v.now()
	if c.IssuedAt != nil {
		start = c.IssuedAt.Time
	}
	if life := c.ExpiresAt.Sub(start); life > v.cfg.maxTTL()+MaxClockSkew {
		return Principal{}, metering.Errorf(metering.Unauthorized, "invalid token: lifetime %v is over the maximum of %v (auth.max_ttl)", life.Round(time.Second), v.cfg.maxTTL())
	}
	p := Principal{Role: role, Subject: c.Subject, JTI: c.ID}
	v.mu.Lock()
	if len(v.known) >= maxKnownTokens {
		v.known = map[string]verified{}
	}
	v.known[token] = verified{p, c.ExpiresAt.Time}
	v.mu.Unlock()
	return p, nil
}

const principalKey = "mailmeter.principal"

// authenticate requires a valid bearer token and stores its Principal.
func (a *app) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(token) == "" {
		c.Header("WWW-Authenticate", `Bearer realm="mailmeter"`)
		a.fail(c, metering.Errorf(metering.Unauthorized, "missing bearer token"))
		return
	}
	p, err := a.auth.Verify(strings.TrimSpace(token))
	if err == nil && a.Revocations != nil && a.Revocations.Revoked(p.JTI) {
		err = metering.Errorf(metering.Unauthorized, "token %s is revoked", p.JTI)
	}
	if err != nil {
		c.Header("WWW-Authenticate", `Bearer realm="mailmeter", error="invalid_token"`)
		a.fail(c, err)
		return
	}
	c.Set(principalKey, p)
	c.Next()
}

// principal returns the request's authenticated caller.
func principal(c *gin.Context) Principal {
	p, _ := c.Get(principalKey)
	pr, _ := p.(Principal)
	return pr
}
