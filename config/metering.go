package config

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/mailmeter/mailmeter/metering"
)

// Metering configures what the log processors count.
type Metering struct {
	// MaxMessageBytes and MaxRecipients are the plausibility bounds of log
	// values: larger ones are anomalies, counted and logged, never added
	// to a meter.
	MaxMessageBytes int64 `yaml:"max_message_bytes"` // a message's size (size=, S=)
	MaxRecipients   int64 `yaml:"max_recipients"`    // a message's recipients (nrcpt=, "for …")
	// TrustedSenders are submitters that do not authenticate but whose
	// envelope sender is metered as the sending mailbox.
	TrustedSenders TrustedSenders `yaml:"trusted_senders"`
}

// TrustedSenders lists local uids and users (Postfix pickup "uid=", Exim
// "U=" of local submissions) and SMTP client networks whose messages
// without a SASL login are metered for their envelope sender. Postfix
// logs the uid only: name it in UIDs.
type TrustedSenders struct {
	UIDs     []int64  `yaml:"uids"`
	Users    []string `yaml:"users"`
	Networks []string `yaml:"networks"` // CIDR prefixes or single addresses
}

// validate checks the trusted senders, naming the bad entry.
func (t TrustedSenders) validate() error {
	const key = "metering.trusted_senders"
	for i, u := range t.UIDs {
		if u < 0 {
			return fmt.Errorf("invalid config: %s.uids[%d]: %d: want a uid, 0 or more", key, i, u)
		}
	}
	for i, u := range t.Users {
		if u == "" || strings.ContainsAny(u, " \t") {
			return fmt.Errorf("invalid config: %s.users[%d]: %q: want a user name", key, i, u)
		}
	}
	for i, n := range t.Networks {
		if _, err := parseNetwork(n); err != nil {
			return fmt.Errorf("invalid config: %s.networks[%d]: %q: want an address or CIDR prefix like 127.0.0.1/32", key, i, n)
		}
	}
	return nil
}

// parseNetwork reads a CIDR prefix or a single address (a prefix of one).
func parseNetwork(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// TrustedSenders returns metering.trusted_senders as the log processors
// take it (Validate has checked the networks).
func (c Config) TrustedSenders() metering.TrustedSenders {
	t := c.Metering.TrustedSenders
	out := metering.TrustedSenders{UIDs: t.UIDs, Users: t.Users}
	for _, n := range t.Networks {
		if p, err := parseNetwork(n); err == nil {
			out.Networks = append(out.Networks, p)
		}
	}
	return out
}
