package probe

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Kinds of probes.
const (
	SMTP      = "smtp"      // greeting and EHLO; optionally STARTTLS and AUTH (submission on 587)
	IMAP      = "imap"      // greeting and LOGOUT; optionally STARTTLS and a login
	POP3      = "pop3"      // greeting and QUIT; optionally STLS and a login
	TCP       = "tcp"       // a connection (and a TLS handshake with TLS)
	HTTP      = "http"      // an HTTP(S) GET: status and optional body match (webmail)
	RoundTrip = "roundtrip" // a tagged message sent by SMTP, timed until it arrives in a mailbox
	DNSBL     = "dnsbl"     // outgoing IPs looked up in DNS blocklists
)

// kinds lists every kind, for messages.
const kinds = "smtp, imap, pop3, tcp, http, roundtrip or dnsbl"

// Defaults of a Target.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultRoundTripTimeout = 30 * time.Second       // from sending to arrival
	DefaultCertWarning      = 14 * 24 * time.Hour    // a certificate expiring sooner is a warning
	DefaultPoll             = 200 * time.Millisecond // how often a round trip looks into the mailbox
)

// Target is one service to check. Name, Kind and the fields of its kind
// are required; Validate says which.
type Target struct {
	Name     string        // the probe's name in the store, e.g. "smtp-mx1"
	Kind     string        // one of the kinds above
	Address  string        // host:port (not for http and dnsbl); for roundtrip, where the message is sent
	TLS      bool          // implicit TLS (smtps 465, imaps 993, pop3s 995)
	StartTLS bool          // smtp STARTTLS, imap STARTTLS, pop3 STLS: required, and the certificate verified
	Timeout  time.Duration // whole check; DefaultTimeout, DefaultRoundTripTimeout for roundtrip
	Verify   Verify        // how certificates are checked (TLS, STARTTLS, https)
	Login    Login         // smtp, imap, pop3: log in as the probe account (Username "" = no login)

	HTTP      HTTPCheck      // kind http
	RoundTrip RoundTripCheck // kind roundtrip
	DNSBL     DNSBLCheck     // kind dnsbl
}

// Verify says how a server's certificate is checked. A certificate that
// does not verify (untrusted, expired, another name) fails the check; one
// that expires within WarnBefore passes, with Detail.CertExpiring set.
type Verify struct {
	RootCAs    *x509.CertPool // trusted roots; nil = the system's
	ServerName string         // name the certificate must carry; default the address's host
	WarnBefore time.Duration  // default DefaultCertWarning
}

// Login is a probe account's credentials. Mechanism is "plain" (SMTP AUTH
// PLAIN, IMAP AUTHENTICATE PLAIN, POP3 AUTH PLAIN; the default) or "login"
// (SMTP AUTH LOGIN, IMAP LOGIN, POP3 USER/PASS). Credentials are only ever
// sent over TLS.
type Login struct {
	Username  string
	Password  string
	Mechanism string
}

// Login mechanisms.
const (
	MechPlain = "plain"
	MechLogin = "login"
)

// HTTPCheck is a GET of URL (redirects followed) answered with Status (0 =
// any 2xx) and, when Body is set, a body (its first MiB) matching it.
type HTTPCheck struct {
	URL    string
	Status int
	Body   *regexp.Regexp
}

// RoundTripCheck sends a uniquely tagged message From → To through the
// target's SMTP server (Address, TLS/StartTLS, Login) and waits for it in
// the probe mailbox: the Maildir at Maildir, or the INBOX of IMAP (a
// Target of kind imap with a Login). Probe messages found there are
// deleted.
type RoundTripCheck struct {
	From, To string
	Maildir  string
	IMAP     *Target
	Poll     time.Duration // how often the mailbox is looked at; default DefaultPoll
}

// DNSBLCheck looks each of IPs up in each of Zones (e.g.
// zen.spamhaus.org) by asking Resolver (host:port; default the first
// nameserver of /etc/resolv.conf).
type DNSBLCheck struct {
	IPs      []netip.Addr
	Zones    []string
	Resolver string
}

// Detail is what a check learns beyond up or down.
type Detail struct {
	// CertNotAfter is the earliest expiry among the certificates the
	// server presented (zero without TLS); CertExpiring says it is within
	// the target's Verify.WarnBefore: a warning, not a failure.
	CertNotAfter time.Time
	CertExpiring bool
	// RoundTrip is, for a roundtrip check that saw its message arrive, the
	// time from starting to send it to seeing it in the mailbox.
	RoundTrip time.Duration
	// HTTPStatus is the status of an http check's final response.
	HTTPStatus int
	// Listings are a dnsbl check's answers, one per IP and zone looked up
	// successfully, by IP then zone.
	Listings []Listing
}

// Check runs one check of t: nil if the service answered as it should.
func Check(ctx context.Context, t Target) error {
	_, err := CheckDetail(ctx, t)
	return err
}

// CheckDetail runs one check of t and returns what it learnt: nil error if
// the service answered as it should. The Detail is filled as far as the
// check got (a certificate seen before a failed login is reported).
func CheckDetail(ctx context.Context, t Target) (Detail, error) {
	var d Detail
	ctx, cancel := context.WithTimeout(ctx, t.timeout())
	defer cancel()
	var err error
	switch t.Kind {
	case HTTP:
		err = checkHTTP(ctx, t, &d)
	case RoundTrip:
		err = checkRoundTrip(ctx, t, &d)
	case DNSBL:
		err = checkDNSBL(ctx, t, &d)
	case SMTP, IMAP, POP3, TCP:
		err = checkConn(ctx, t, &d)
	default:
		err = fmt.Errorf("kind %q: want %s", t.Kind, kinds)
	}
	var ne net.Error
	if err != nil && ctx.Err() == context.DeadlineExceeded && !errors.Is(err, context.DeadlineExceeded) && !(errors.As(err, &ne) && ne.Timeout()) {
		err = fmt.Errorf("timeout after %s: %w", t.timeout(), err) // the connection was closed at the deadline
	}
	return d, err
}

func (t Target) timeout() time.Duration {
	switch {
	case t.Timeout > 0:
		return t.Timeout
	case t.Kind == RoundTrip:
		return DefaultRoundTripTimeout
	}
	return DefaultTimeout
}

// Validate checks a target: an error names the field at fault.
func (t Target) Validate() error {
	if t.Name == "" {
		return errors.New("name is required")
	}
	switch t.Kind {
	case SMTP, IMAP, POP3, TCP:
		return t.validateConn()
	case HTTP:
		return t.HTTP.validate()
	case RoundTrip:
		return t.validateRoundTrip()
	case DNSBL:
		return t.DNSBL.validate()
	}
	return fmt.Errorf("kind %q: want %s", t.Kind, kinds)
}

// validateConn checks the fields of a connection's kinds.
func (t Target) validateConn() error {
	if !hostPort(t.Address) {
		return fmt.Errorf("address %q: want host:port", t.Address)
	}
	switch {
	case t.TLS && t.StartTLS:
		return errors.New("starttls: not with tls (implicit TLS)")
	case t.StartTLS && t.Kind == TCP:
		return errors.New("starttls: not for kind tcp")
	case t.Login.Username != "" && t.Kind == TCP:
		return errors.New("username: no login for kind tcp")
	case t.Login.Username != "" && !t.TLS && !t.StartTLS:
		return errors.New("username: a login needs tls or starttls (credentials are never sent in clear)")
	}
	return t.Login.validate()
}

func (l Login) validate() error {
	if l.Username == "" {
		return nil
	}
	switch l.Mechanism {
	case "", MechPlain, MechLogin:
	default:
		return fmt.Errorf("auth %q: want plain or login", l.Mechanism)
	}
	if strings.ContainsAny(l.Username, "\x00\r\n") {
		return errors.New("username: no NUL, CR or LF")
	}
	if l.Password == "" || strings.ContainsAny(l.Password, "\x00\r\n") {
		return errors.New("password: required, without NUL, CR or LF")
	}
	return nil
}

func (h HTTPCheck) validate() error {
	u, err := url.Parse(h.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("url %q: want an http(s) URL", h.URL)
	}
	if h.Status != 0 && (h.Status < 100 || h.Status > 599) {
		return fmt.Errorf("expect_status %d: want an HTTP status from 100 to 599", h.Status)
	}
	return nil
}

func (t Target) validateRoundTrip() error {
	if !headerSafe(t.Name) {
		return fmt.Errorf("name %q: a round-trip probe's name is printable ASCII without spaces (it tags the message)", t.Name)
	}
	if err := t.validateConn(); err != nil {
		return err
	}
	rt := t.RoundTrip
	for field, a := range map[string]string{"from": rt.From, "to": rt.To} {
		if !plainAddress(a) {
			return fmt.Errorf("%s %q: want an address local@domain", field, a)
		}
	}
	switch {
	case (rt.Maildir == "") == (rt.IMAP == nil):
		return errors.New("maildir or imap: exactly one says where the message arrives")
	case rt.Poll < 0:
		return errors.New("poll: must not be negative")
	case rt.IMAP == nil:
		return nil
	case rt.IMAP.Kind != IMAP:
		return errors.New("imap.kind: the mailbox is read over IMAP")
	case !rt.IMAP.TLS && !rt.IMAP.StartTLS:
		return errors.New("imap.tls: reading the mailbox logs in: tls or starttls is required")
	case rt.IMAP.Login.Username == "":
		return errors.New("imap.username: reading the mailbox needs the probe account's login")
	}
	if err := rt.IMAP.validateConn(); err != nil {
		return fmt.Errorf("imap.%w", err)
	}
	return nil
}

func (c DNSBLCheck) validate() error {
	switch {
	case len(c.IPs) == 0:
		return errors.New("ips: at least one outgoing IP to look up")
	case len(c.Zones) == 0:
		return errors.New("zones: at least one DNSBL zone, e.g. zen.spamhaus.org")
	}
	for _, ip := range c.IPs {
		if !ip.IsValid() {
			return errors.New("ips: an invalid IP")
		}
	}
	for _, z := range c.Zones {
		if !validZone(z) {
			return fmt.Errorf("zones: %q is not a DNS name", z)
		}
	}
	if c.Resolver != "" && !hostPort(c.Resolver) {
		return fmt.Errorf("resolver %q: want host:port", c.Resolver)
	}
	return nil
}

// hostPort reports whether s is host:port with a port from 0 to 65535.
func hostPort(s string) bool {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 0 && n <= 65535
}

// headerSafe reports whether s is printable ASCII without spaces.
func headerSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return s != ""
}

// plainAddress reports whether a is local@domain, safe in an SMTP command
// and a header.
func plainAddress(a string) bool {
	local, domain, ok := strings.Cut(a, "@")
	return ok && local != "" && domain != "" && headerSafe(a) && !strings.ContainsAny(a, "<>()[],;:\"\\")
}

// validZone reports whether z is a DNS name: dot-separated labels of
// letters, digits, hyphens and underscores, each 1 to 63 long.
func validZone(z string) bool {
	z = strings.TrimSuffix(z, ".")
	if z == "" || len(z) > 253 {
		return false
	}
	for _, l := range strings.Split(z, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
