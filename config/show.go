package config

import (
	"net/url"
	"slices"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mailmeter/mailmeter/store/dsn"
)

// Mask is what a secret is shown as.
const Mask = "xxxxx"

// Masked returns c with every secret replaced by Mask: auth.hs256_secret,
// quota.webhook_secret, metrics.token, the password of db, and credentials
// in collect.push and quota.webhook_url. Empty secrets stay empty, so the
// output still says which are unset.
func (c Config) Masked() Config {
	m := c
	mask := func(s *string) {
		if *s != "" {
			*s = Mask
		}
	}
	mask(&m.Auth.Secret)
	mask(&m.Quota.WebhookSecret)
	mask(&m.Metrics.Token)
	m.DB = dsn.Redact(c.DB)
	m.Collect.Push = redactURL(c.Collect.Push)
	m.Quota.WebhookURL = redactURL(c.Quota.WebhookURL)
	m.Logs, m.Maildirs, m.Probes = slices.Clone(c.Logs), slices.Clone(c.Maildirs), slices.Clone(c.Probes)
	m.Auth.Keys, m.Billing.Plans = slices.Clone(c.Auth.Keys), slices.Clone(c.Billing.Plans)
	return m
}

// redactURL masks a URL's password and query values (tokens travel there).
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || s == "" {
		return s
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), Mask)
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q.Set(k, Mask)
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// YAML returns c as a configuration file Load reads back to c.
func (c Config) YAML() ([]byte, error) {
	return yaml.Marshal(c)
}

// MarshalYAML writes a duration as Go writes it ("1m0s" reads as 1m).
func (d Duration) MarshalYAML() (any, error) {
	return time.Duration(d).String(), nil
}
