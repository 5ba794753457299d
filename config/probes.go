package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
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
	}
	switch p.Kind {
	case "smtp", "imap", "pop3", "tcp":
		return p.validateConn(key)
	case "http":
		return p.validateHTTP(key)
	case "roundtrip":
		return p.validateRoundTrip(key)
	case "dnsbl":
		return p.validateDNSBL(key)
	}
	return fmt.Errorf("%s.kind: %q: want smtp, imap, pop3, tcp, http, roundtrip or dnsbl", key, p.Kind)
}

func (p Probe) validateConn(key string) error {
	if err := checkHostPort(p.Address); err != nil {
		return fmt.Errorf("%s.address: %q: %v", key, p.Address, err)
	}
	if p.TLS && p.StartTLS {
		return fmt.Errorf("%s.starttls: not with tls (implicit TLS)", key)
	}
	if p.StartTLS && p.Kind == "tcp" {
		return fmt.Errorf("%s.starttls: not for kind tcp", key)
	}
	if p.Username != "" && p.Kind == "tcp" {
		return fmt.Errorf("%s.username: no login for kind tcp", key)
	}
	if p.Username != "" && !p.TLS && !p.StartTLS {
		return fmt.Errorf("%s.username: a login needs tls or starttls (credentials are never sent in clear)", key)
	}
	for k, v := range map[string]string{"url": p.URL, "from": p.From, "maildir": p.Maildir, "resolver": p.Resolver} {
		if v != "" && !(p.Kind == "roundtrip" && (k == "from" || k == "maildir")) {
			return fmt.Errorf("%s.%s: not for kind %s", key, k, p.Kind)
		}
	}
	return p.Login.validate(key)
}

func (l Login) validate(key string) error {
	switch {
	case l.Username == "" && (l.Password != "" || l.PasswordFile != ""):
		return fmt.Errorf("%s.username: required with a password", key)
	case l.Username == "":
		return nil
	case (l.Password == "") == (l.PasswordFile == ""):
		return fmt.Errorf("%s.password: give password or password_file (one of them)", key)
	case l.Auth != "" && l.Auth != "plain" && l.Auth != "login":
		return fmt.Errorf("%s.auth: %q: want plain or login", key, l.Auth)
	case strings.ContainsAny(l.Username+l.Password, "\x00\r\n"):
		return fmt.Errorf("%s.username: no NUL, CR or LF in credentials", key)
	}
	return nil
}

func (p Probe) validateHTTP(key string) error {
	if !strings.HasPrefix(p.URL, "http://") && !strings.HasPrefix(p.URL, "https://") {
		return fmt.Errorf("%s.url: %q: want an http(s) URL", key, p.URL)
	}
	if s := p.ExpectStatus; s != 0 && (s < 100 || s > 599) {
		return fmt.Errorf("%s.expect_status: %d: want an HTTP status from 100 to 599", key, s)
	}
	if _, err := regexp.Compile(p.ExpectBody); err != nil {
		return fmt.Errorf("%s.expect_body: %v", key, err)
	}
	if p.Username != "" {
		return fmt.Errorf("%s.username: not for kind http", key)
	}
	return nil
}

func (p Probe) validateRoundTrip(key string) error {
	if err := p.validateConn(key); err != nil {
		return err
	}
	for k, v := range map[string]string{"from": p.From, "to": p.To} {
		if local, domain, ok := strings.Cut(v, "@"); !ok || local == "" || domain == "" || strings.ContainsAny(v, " <>\r\n") {
			return fmt.Errorf("%s.%s: %q: want an address", key, k, v)
		}
	}
	if (p.Maildir == "") == (p.IMAP == nil) {
		return fmt.Errorf("%s.maildir: give maildir or imap (where the message arrives), one of them", key)
	}
	if p.Poll < 0 {
		return fmt.Errorf("%s.poll: must not be negative", key)
	}
	if m := p.IMAP; m != nil {
		k := key + ".imap"
		if err := checkHostPort(m.Address); err != nil {
			return fmt.Errorf("%s.address: %q: %v", k, m.Address, err)
		}
		if m.TLS && m.StartTLS {
			return fmt.Errorf("%s.starttls: not with tls (implicit TLS)", k)
		}
		if !m.TLS && !m.StartTLS {
			return fmt.Errorf("%s.tls: reading the mailbox logs in: tls or starttls is required", k)
		}
		if m.Username == "" && p.Username == "" {
			return fmt.Errorf("%s.username: required (or the probe's username)", k)
		}
		if err := m.Login.validate(k); err != nil {
			return err
		}
	}
	return nil
}

func (p Probe) validateDNSBL(key string) error {
	if len(p.IPs) == 0 {
		return fmt.Errorf("%s.ips: at least one outgoing IP", key)
	}
	for j, ip := range p.IPs {
		if _, err := netip.ParseAddr(ip); err != nil {
			return fmt.Errorf("%s.ips[%d]: %q: not an IP address", key, j, ip)
		}
	}
	if len(p.Zones) == 0 {
		return fmt.Errorf("%s.zones: at least one DNSBL zone, e.g. zen.spamhaus.org", key)
	}
	for j, z := range p.Zones {
		if z == "" || strings.ContainsAny(z, " /:@") {
			return fmt.Errorf("%s.zones[%d]: %q: not a DNS name", key, j, z)
		}
	}
	if p.Resolver != "" {
		if err := checkHostPort(p.Resolver); err != nil {
			return fmt.Errorf("%s.resolver: %q: %v", key, p.Resolver, err)
		}
	}
	if p.Address != "" || p.Username != "" {
		return fmt.Errorf("%s.address: not for kind dnsbl (ips and zones say what is looked up)", key)
	}
	return nil
}
