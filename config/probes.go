package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/metering/probe"
)

// Probe is one service checked for availability (see README, "Probes"):
// the common keys, then those of each kind.
type Probe struct {
	Name     string   `yaml:"name"`
	Kind     string   `yaml:"kind"`     // smtp | imap | pop3 | tcp | http | roundtrip | dnsbl
	Address  string   `yaml:"address"`  // host:port (roundtrip: the SMTP server the message is sent to)
	TLS      bool     `yaml:"tls"`      // implicit TLS (465, 993, 995)
	StartTLS bool     `yaml:"starttls"` // STARTTLS (SMTP, IMAP) or STLS (POP3), required
	Timeout  Duration `yaml:"timeout"`  // default 10s; roundtrip 30s

	// Certificates (tls, starttls, https).
	ServerName   string `yaml:"server_name"`    // name the certificate must carry; default the host
	CAFile       string `yaml:"ca_file"`        // PEM roots to trust instead of the system's
	CertWarnDays int    `yaml:"cert_warn_days"` // expiring sooner is a warning; default 14

	// Login of a probe account (smtp, imap, pop3, roundtrip's SMTP).
	Login `yaml:",inline"`

	// http
	URL          string `yaml:"url"`
	ExpectStatus int    `yaml:"expect_status"` // default any 2xx
	ExpectBody   string `yaml:"expect_body"`   // a regular expression

	// roundtrip
	From    string        `yaml:"from"`
	To      string        `yaml:"to"`      // the probe mailbox
	Maildir string        `yaml:"maildir"` // where To's messages arrive, or:
	IMAP    *ProbeMailbox `yaml:"imap"`
	Poll    Duration      `yaml:"poll"` // how often the mailbox is looked at; default 200ms

	// dnsbl
	IPs      []string `yaml:"ips"`
	Zones    []string `yaml:"zones"`
	Resolver string   `yaml:"resolver"` // host:port; default the first nameserver of /etc/resolv.conf
}

// Login is a probe account's credentials.
type Login struct {
	Username     string `yaml:"username"`
	Password     string `yaml:"password"`
	PasswordFile string `yaml:"password_file"` // read at start, trailing newline dropped
	Auth         string `yaml:"auth"`          // plain (default) | login
}

// ProbeMailbox is the IMAP server a round trip reads its mailbox from.
// Without a username it logs in with the probe's own.
type ProbeMailbox struct {
	Address    string `yaml:"address"`
	TLS        bool   `yaml:"tls"`
	StartTLS   bool   `yaml:"starttls"`
	ServerName string `yaml:"server_name"`
	CAFile     string `yaml:"ca_file"`
	Login      `yaml:",inline"`
}

// ProbeAccounts returns the addresses metered nothing: probe_mailboxes,
// and each round-trip probe's recipient and logins.
func (c Config) ProbeAccounts() []string {
	out := append([]string(nil), c.ProbeMailboxes...)
	for _, p := range c.Probes {
		if p.Kind != "roundtrip" {
			continue
		}
		out = append(out, p.To)
		if p.Username != "" {
			out = append(out, p.Username)
		}
		if p.IMAP != nil && p.IMAP.Username != "" {
			out = append(out, p.IMAP.Username)
		}
	}
	return out
}

// validateProbes checks the probes and probe mailboxes, naming the key.
func validateProbes(ps []Probe, mailboxes []string) error {
	names := map[string]bool{}
	for i, p := range ps {
		key := fmt.Sprintf("probes[%d]", i)
		if names[p.Name] {
			return fmt.Errorf("%s.name: %q is used twice", key, p.Name)
		}
		names[p.Name] = true
		if err := p.validate(key); err != nil {
			return err
		}
	}
	for i, m := range mailboxes {
		if !strings.Contains(m, "@") {
			return fmt.Errorf("probe_mailboxes[%d]: %q: want an address", i, m)
		}
	}
	return nil
}

func (p Probe) validate(key string) error {
	switch {
	case p.Name == "":
		return fmt.Errorf("%s.name: required", key)
	case p.Timeout < 0:
		return fmt.Errorf("%s.timeout: must not be negative", key)
	case p.CertWarnDays < 0:
		return fmt.Errorf("%s.cert_warn_days: must not be negative", key)
	case p.Poll < 0:
		return fmt.Errorf("%s.poll: must not be negative", key)
	}
	if err := p.foreignKeys(key); err != nil {
		return err
	}
	if err := p.Login.validate(key); err != nil {
		return err
	}
	if p.IMAP != nil {
		if err := p.IMAP.Login.validate(key + ".imap"); err != nil {
			return err
		}
	}
	t, err := p.Target()
	if err != nil {
		return fmt.Errorf("%s.%w", key, err)
	}
	// The probe's own rules, with the password files not read yet.
	if p.PasswordFile != "" {
		t.Login.Password = "(password_file)"
	}
	if p.IMAP != nil && p.IMAPLogin().PasswordFile != "" {
		t.RoundTrip.IMAP.Login.Password = "(password_file)"
	}
	if err := t.Validate(); err != nil {
		return fmt.Errorf("%s.%w", key, err)
	}
	return nil
}

// foreignKeys refuses keys of other kinds, which would be silently ignored.
func (p Probe) foreignKeys(key string) error {
	kinds := map[string][]string{"url": {"http"}, "expect_status": {"http"}, "expect_body": {"http"},
		"from": {"roundtrip"}, "to": {"roundtrip"}, "maildir": {"roundtrip"}, "imap": {"roundtrip"},
		"ips": {"dnsbl"}, "zones": {"dnsbl"}, "resolver": {"dnsbl"},
		"address": {"smtp", "imap", "pop3", "tcp", "roundtrip"}, "username": {"smtp", "imap", "pop3", "roundtrip"}}
	set := map[string]bool{"url": p.URL != "", "expect_status": p.ExpectStatus != 0, "expect_body": p.ExpectBody != "",
		"from": p.From != "", "to": p.To != "", "maildir": p.Maildir != "", "imap": p.IMAP != nil,
		"ips": len(p.IPs) > 0, "zones": len(p.Zones) > 0, "resolver": p.Resolver != "",
		"address": p.Address != "", "username": p.Username != ""}
	for _, k := range []string{"address", "username", "url", "expect_status", "expect_body", "from", "to", "maildir", "imap", "ips", "zones", "resolver"} {
		if set[k] && !slices.Contains(kinds[k], p.Kind) && slices.Contains(allKinds, p.Kind) {
			return fmt.Errorf("%s.%s: not for kind %s", key, k, p.Kind)
		}
	}
	return nil
}

var allKinds = []string{"smtp", "imap", "pop3", "tcp", "http", "roundtrip", "dnsbl"}

func (l Login) validate(key string) error {
	switch {
	case l.Username == "" && (l.Password != "" || l.PasswordFile != ""):
		return fmt.Errorf("%s.username: required with a password", key)
	case l.Password != "" && l.PasswordFile != "":
		return fmt.Errorf("%s.password: give password or password_file, not both", key)
	case l.Username != "" && l.Password == "" && l.PasswordFile == "":
		return fmt.Errorf("%s.password: give password or password_file", key)
	}
	return nil
}

// Target returns the probe as the checker sees it, without what comes
// from files (ca_file roots, password_file): their readers add it.
func (p Probe) Target() (probe.Target, error) {
	t := probe.Target{Name: p.Name, Kind: p.Kind, Address: p.Address, TLS: p.TLS, StartTLS: p.StartTLS,
		Timeout:   time.Duration(p.Timeout),
		Verify:    probe.Verify{ServerName: p.ServerName, WarnBefore: time.Duration(p.CertWarnDays) * 24 * time.Hour},
		Login:     p.Login.target(),
		HTTP:      probe.HTTPCheck{URL: p.URL, Status: p.ExpectStatus},
		RoundTrip: probe.RoundTripCheck{From: p.From, To: p.To, Maildir: p.Maildir, Poll: time.Duration(p.Poll)},
		DNSBL:     probe.DNSBLCheck{Zones: p.Zones, Resolver: p.Resolver}}
	if p.ExpectBody != "" {
		re, err := regexp.Compile(p.ExpectBody)
		if err != nil {
			return t, fmt.Errorf("expect_body: %v", err)
		}
		t.HTTP.Body = re
	}
	for j, s := range p.IPs {
		ip, err := netip.ParseAddr(s)
		if err != nil {
			return t, fmt.Errorf("ips[%d]: %q: not an IP address", j, s)
		}
		t.DNSBL.IPs = append(t.DNSBL.IPs, ip)
	}
	if m := p.IMAP; m != nil {
		t.RoundTrip.IMAP = &probe.Target{Kind: probe.IMAP, Address: m.Address, TLS: m.TLS, StartTLS: m.StartTLS,
			Verify: probe.Verify{ServerName: m.ServerName, WarnBefore: t.Verify.WarnBefore}, Login: p.IMAPLogin().target()}
	}
	return t, nil
}

// IMAPLogin is the login a round trip reads its IMAP mailbox with: its
// own, else the probe's (the probe account reads its own mailbox).
func (p Probe) IMAPLogin() Login {
	if p.IMAP.Username == "" {
		return p.Login
	}
	return p.IMAP.Login
}

func (l Login) target() probe.Login {
	return probe.Login{Username: l.Username, Password: l.Password, Mechanism: l.Auth}
}
