package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/store"
)

// authConfig turns the auth section into the API's key material, reading
// PEM files. serve and token share it, so both see the same keys.
func authConfig(c config.Config) (api.AuthConfig, error) {
	ac := api.AuthConfig{Issuer: c.Auth.Issuer, Audience: c.Auth.Audience, SignKID: c.Auth.SignKID, MaxTTL: time.Duration(c.Auth.MaxTTL)}
	if c.Auth.Secret != "" {
		ac.Secret = []byte(c.Auth.Secret)
	}
	for i, k := range c.Auth.Keys {
		var pub, priv []byte
		var err error
		if k.PublicKey != "" {
			if pub, err = os.ReadFile(k.PublicKey); err != nil {
				return ac, fmt.Errorf("auth.keys[%d].public_key: %w", i, err)
			}
		}
		if k.PrivateKey != "" {
			if priv, err = os.ReadFile(k.PrivateKey); err != nil {
				return ac, fmt.Errorf("auth.keys[%d].private_key: %w", i, err)
			}
		}
		key, err := api.ParseKey(k.KID, k.Alg, pub, priv)
		if err != nil {
			return ac, fmt.Errorf("auth.keys[%d]: %w", i, err)
		}
		ac.Keys = append(ac.Keys, key)
	}
	return ac, nil
}

const tokenUsage = "usage: mailmeter token create --role admin|customer|mailbox|service --subject S [--ttl 24h] [--link [--url BASE]] | token revoke JTI"

func runToken(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef(tokenUsage)
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, strings.TrimPrefix(tokenUsage, "usage: "))
		return errHelp
	case "create":
		return runTokenCreate(e, args[1:])
	case "revoke":
		return runTokenRevoke(ctx, e, args[1:])
	}
	return usagef(tokenUsage)
}

// runTokenCreate prints a new token on stdout, and its id (for token
// revoke) and expiry on stderr.
func runTokenCreate(e env, args []string) error {
	f := newFlags("token create", "token create --role admin|customer|mailbox|service --subject S [--ttl 24h] [--link [--url BASE]]", e)
	role := f.String("role", "", "admin, customer, mailbox or service (required)")
	subject := f.String("subject", "", "customer id, mailbox address, or a name for admin and service tokens (required)")
	ttl := f.Duration("ttl", 24*time.Hour, "how long the token is valid (at most auth.max_ttl)")
	link := f.Bool("link", false, "print a web console link that signs in with the token (in the URL fragment, never sent to the server)")
	base := f.String("url", "", "the console's base URL for --link (default http:// and the listen address)")
	if _, err := f.parse(e, args, 0, 0); err != nil {
		return err
	}
	r, err := api.ParseRole(*role)
	if err != nil {
		return usagef("--role: %v", err)
	}
	if *subject == "" {
		return usagef("--subject is required")
	}
	c, _, err := f.load(e)
	if err != nil {
		return err
	}
	ac, err := authConfig(c)
	if err != nil {
		return err
	}
	tok, err := api.MintToken(ac, api.TokenInput{Role: r, Subject: *subject, TTL: *ttl}, time.Now())
	if err != nil {
		return err
	}
	if *link {
		if *base == "" {
			*base = "http://" + c.Listen
		}
		fmt.Fprintln(e.stdout, consoleLink(*base, tok))
	} else {
		fmt.Fprintln(e.stdout, tok)
	}
	if jti, exp, err := api.TokenID(tok); err == nil {
		fmt.Fprintf(e.stderr, "token id %s, valid until %s; revoke with: mailmeter token revoke %s\n", jti, exp.UTC().Format(time.RFC3339), jti)
	}
	return nil
}

// runTokenRevoke denies a token from now on, in every API process sharing
// the database.
func runTokenRevoke(ctx context.Context, e env, args []string) error {
	f := newFlags("token revoke", "token revoke JTI", e)
	pos, err := f.parse(e, args, 1, 1)
	if err != nil {
		return err
	}
	if err := api.ValidJTI(pos[0]); err != nil {
		return usagef("%v", err)
	}
	return withStore(ctx, e, f, func(c config.Config, s *store.Store) error {
		if err := api.NewRevocations(s, time.Duration(c.Auth.MaxTTL), time.Now).Revoke(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "revoked token %s\n", pos[0])
		return nil
	})
}

// consoleLink is the web console's address signing in with tok: the token
// rides in the fragment, which browsers never send to the server.
func consoleLink(base, tok string) string {
	return strings.TrimRight(base, "/") + "/ui/#token=" + tok
}
