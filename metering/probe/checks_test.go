package probe_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering/probe"
)

// Connection checks against real local servers: TLS with test
// certificates (verified, expiring, expired, untrusted, for another name),
// STARTTLS, logins accepted and refused, slow and silent servers.
func TestCheckTLSAndLogin(t *testing.T) {
	p := newPKI(t)
	const user, pass = "probe@example.com", "s3cret-Pa55"
	srv := func(kind string, cert *tls.Certificate, mod func(*mailServer)) string {
		m := &mailServer{kind: kind, user: user, pass: pass, cert: cert}
		if mod != nil {
			mod(m)
		}
		return m.start(t)
	}
	implicit := func(m *mailServer) { m.implicit = true }
	submission := srv(probe.SMTP, &p.good, nil)
	soon := srv(probe.SMTP, &p.soon, nil)
	expired := srv(probe.SMTP, &p.expired, nil)
	untrusted := srv(probe.SMTP, &p.untrusted, nil)
	otherName := srv(probe.SMTP, &p.otherName, nil)
	noTLS := srv(probe.SMTP, &p.good, func(m *mailServer) { m.noSTARTTLS = true })
	smtps := srv(probe.SMTP, &p.good, implicit)
	imapStart := srv(probe.IMAP, &p.good, nil)
	imaps := srv(probe.IMAP, &p.good, implicit)
	popStart := srv(probe.POP3, &p.good, nil)
	pops := srv(probe.POP3, &p.soon, implicit)
	slow := srv(probe.SMTP, nil, func(m *mailServer) { m.greetDelay = 300 * time.Millisecond })
	verify := probe.Verify{RootCAs: p.pool}
	login := func(mech string) probe.Login { return probe.Login{Username: user, Password: pass, Mechanism: mech} }
	bad := probe.Login{Username: user, Password: "wrong-" + pass}

	for _, tt := range []struct {
		name     string
		target   probe.Target
		errHas   string // "" = up
		expiring bool
		notAfter time.Time // of the certificate seen; zero = no TLS
	}{
		{"submission STARTTLS", probe.Target{Kind: probe.SMTP, Address: submission, StartTLS: true, Verify: verify}, "", false, p.good.Leaf.NotAfter},
		{"submission STARTTLS and AUTH PLAIN", probe.Target{Kind: probe.SMTP, Address: submission, StartTLS: true, Verify: verify, Login: login("")}, "", false, p.good.Leaf.NotAfter},
		{"submission AUTH LOGIN", probe.Target{Kind: probe.SMTP, Address: submission, StartTLS: true, Verify: verify, Login: login(probe.MechLogin)}, "", false, p.good.Leaf.NotAfter},
		{"submission login refused", probe.Target{Kind: probe.SMTP, Address: submission, StartTLS: true, Verify: verify, Login: bad}, "login refused: answered \"535", false, p.good.Leaf.NotAfter},
		{"certificate expiring within the warning: up, with a warning", probe.Target{Kind: probe.SMTP, Address: soon, StartTLS: true, Verify: verify}, "", true, p.soon.Leaf.NotAfter},
		{"a shorter warning window: no warning", probe.Target{Kind: probe.SMTP, Address: soon, StartTLS: true, Verify: probe.Verify{RootCAs: p.pool, WarnBefore: 24 * time.Hour}}, "", false, p.soon.Leaf.NotAfter},
		{"expired certificate", probe.Target{Kind: probe.SMTP, Address: expired, StartTLS: true, Verify: verify}, "expired", false, time.Time{}},
		{"untrusted certificate", probe.Target{Kind: probe.SMTP, Address: untrusted, StartTLS: true, Verify: verify}, "unknown authority", false, time.Time{}},
		{"certificate for another name", probe.Target{Kind: probe.SMTP, Address: otherName, StartTLS: true, Verify: verify}, "cannot validate certificate for 127.0.0.1", false, time.Time{}},
		{"the name asked for", probe.Target{Kind: probe.SMTP, Address: otherName, StartTLS: true, Verify: probe.Verify{RootCAs: p.pool, ServerName: "mail.example.com"}}, "", false, p.otherName.Leaf.NotAfter},
		{"STARTTLS not offered", probe.Target{Kind: probe.SMTP, Address: noTLS, StartTLS: true, Verify: verify}, "STARTTLS: not offered", false, time.Time{}},
		{"smtps", probe.Target{Kind: probe.SMTP, Address: smtps, TLS: true, Verify: verify, Login: login("")}, "", false, p.good.Leaf.NotAfter},
		{"imap STARTTLS LOGIN", probe.Target{Kind: probe.IMAP, Address: imapStart, StartTLS: true, Verify: verify, Login: login(probe.MechLogin)}, "", false, p.good.Leaf.NotAfter},
		{"imaps AUTHENTICATE PLAIN", probe.Target{Kind: probe.IMAP, Address: imaps, TLS: true, Verify: verify, Login: login("")}, "", false, p.good.Leaf.NotAfter},
		{"imap login refused", probe.Target{Kind: probe.IMAP, Address: imaps, TLS: true, Verify: verify, Login: bad}, "login refused: answered \"NO [AUTHENTICATIONFAILED]", false, p.good.Leaf.NotAfter},
		{"imap LOGIN refused", probe.Target{Kind: probe.IMAP, Address: imapStart, StartTLS: true, Verify: verify, Login: probe.Login{Username: user, Password: "x", Mechanism: probe.MechLogin}}, "login refused", false, p.good.Leaf.NotAfter},
		{"pop3 STLS USER/PASS", probe.Target{Kind: probe.POP3, Address: popStart, StartTLS: true, Verify: verify, Login: login(probe.MechLogin)}, "", false, p.good.Leaf.NotAfter},
		{"pop3s AUTH PLAIN, certificate expiring", probe.Target{Kind: probe.POP3, Address: pops, TLS: true, Verify: verify, Login: login("")}, "", true, p.soon.Leaf.NotAfter},
		{"pop3 login refused", probe.Target{Kind: probe.POP3, Address: popStart, StartTLS: true, Verify: verify, Login: probe.Login{Username: user, Password: "x", Mechanism: probe.MechLogin}}, "login refused: answered \"-ERR [AUTH]", false, p.good.Leaf.NotAfter},
		{"slow greeting within the timeout", probe.Target{Kind: probe.SMTP, Address: slow, Timeout: 5 * time.Second}, "", false, time.Time{}},
		{"slow greeting past the timeout", probe.Target{Kind: probe.SMTP, Address: slow, Timeout: 100 * time.Millisecond}, "timeout", false, time.Time{}},
		{"TLS to a plain-text server", probe.Target{Kind: probe.IMAP, Address: imapStart, TLS: true, Verify: verify, Timeout: 2 * time.Second}, "TLS", false, time.Time{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := probe.CheckDetail(context.Background(), tt.target)
			switch {
			case tt.errHas == "" && err != nil:
				t.Fatalf("CheckDetail = %v, want up", err)
			case tt.errHas != "" && (err == nil || !strings.Contains(err.Error(), tt.errHas)):
				t.Fatalf("CheckDetail = %v, want an error with %q", err, tt.errHas)
			}
			if err != nil && strings.Contains(err.Error(), pass) {
				t.Errorf("the error shows the password: %v", err)
			}
			if !d.CertNotAfter.Equal(tt.notAfter) || d.CertExpiring != tt.expiring {
				t.Errorf("certificate expiry %v (expiring %v), want %v (expiring %v)", d.CertNotAfter, d.CertExpiring, tt.notAfter, tt.expiring)
			}
			if (err == nil) != (probe.Check(context.Background(), tt.target) == nil) {
				t.Error("Check and CheckDetail disagree")
			}
		})
	}
}

// Credentials never leave in clear: a login without TLS is refused by
// Validate, before any connection.
func TestValidateKinds(t *testing.T) {
	login := probe.Login{Username: "probe@example.com", Password: "pw"}
	rt := probe.RoundTripCheck{From: "probe@example.com", To: "probe@example.com", Maildir: "/var/mail/probe"}
	imapBox := &probe.Target{Kind: probe.IMAP, Address: "imap:993", TLS: true, Login: login}
	for _, tt := range []struct {
		name   string
		t      probe.Target
		errHas string // "" = valid
	}{
		{"smtp", probe.Target{Name: "a", Kind: probe.SMTP, Address: "mx:25"}, ""},
		{"submission with login", probe.Target{Name: "a", Kind: probe.SMTP, Address: "mx:587", StartTLS: true, Login: login}, ""},
		{"login in clear", probe.Target{Name: "a", Kind: probe.IMAP, Address: "imap:143", Login: login}, "username: a login needs tls or starttls"},
		{"tls and starttls", probe.Target{Name: "a", Kind: probe.SMTP, Address: "mx:465", TLS: true, StartTLS: true}, "starttls"},
		{"starttls on tcp", probe.Target{Name: "a", Kind: probe.TCP, Address: "mx:25", StartTLS: true}, "starttls"},
		{"login without password", probe.Target{Name: "a", Kind: probe.POP3, Address: "pop:995", TLS: true, Login: probe.Login{Username: "u"}}, "password"},
		{"unknown mechanism", probe.Target{Name: "a", Kind: probe.POP3, Address: "pop:995", TLS: true, Login: probe.Login{Username: "u", Password: "p", Mechanism: "cram-md5"}}, "auth"},
		{"http", probe.Target{Name: "a", Kind: probe.HTTP, HTTP: probe.HTTPCheck{URL: "https://webmail.example.com/"}}, ""},
		{"http without url", probe.Target{Name: "a", Kind: probe.HTTP}, "url"},
		{"http ftp url", probe.Target{Name: "a", Kind: probe.HTTP, HTTP: probe.HTTPCheck{URL: "ftp://x/"}}, "url"},
		{"http status", probe.Target{Name: "a", Kind: probe.HTTP, HTTP: probe.HTTPCheck{URL: "http://x/", Status: 1000}}, "expect_status"},
		{"roundtrip maildir", probe.Target{Name: "delivery", Kind: probe.RoundTrip, Address: "mx:25", RoundTrip: rt}, ""},
		{"roundtrip imap", probe.Target{Name: "delivery", Kind: probe.RoundTrip, Address: "mx:25", RoundTrip: probe.RoundTripCheck{From: rt.From, To: rt.To, IMAP: imapBox}}, ""},
		{"roundtrip both", probe.Target{Name: "delivery", Kind: probe.RoundTrip, Address: "mx:25", RoundTrip: probe.RoundTripCheck{From: rt.From, To: rt.To, Maildir: "/m", IMAP: imapBox}}, "exactly one"},
		{"roundtrip neither", probe.Target{Name: "delivery", Kind: probe.RoundTrip, Address: "mx:25", RoundTrip: probe.RoundTripCheck{From: rt.From, To: rt.To}}, "exactly one"},
		{"roundtrip imap without login", probe.Target{Name: "delivery", Kind: probe.RoundTrip, Address: "mx:25", RoundTrip: probe.RoundTripCheck{From: rt.From, To: rt.To,
			IMAP: &probe.Target{Kind: probe.IMAP, Address: "imap:993", TLS: true}}}, "imap.username"},
		{"roundtrip imap login in clear", probe.Target{Name: "delivery", Kind: probe.RoundTrip, Address: "mx:25", RoundTrip: probe.RoundTripCheck{From: rt.From, To: rt.To,
			IMAP: &probe.Target{Kind: probe.IMAP, Address: "imap:143", Login: login}}}, "imap.tls"},
		{"roundtrip bad to", probe.Target{Name: "delivery", Kind: probe.RoundTrip, Address: "mx:25", RoundTrip: probe.RoundTripCheck{From: rt.From, To: "x>@y", Maildir: "/m"}}, "to"},
		{"roundtrip name with a space", probe.Target{Name: "de livery", Kind: probe.RoundTrip, Address: "mx:25", RoundTrip: rt}, "name"},
		{"dnsbl", probe.Target{Name: "rbl", Kind: probe.DNSBL, DNSBL: probe.DNSBLCheck{IPs: ips("192.0.2.1"), Zones: []string{"zen.spamhaus.org"}}}, ""},
		{"dnsbl without ips", probe.Target{Name: "rbl", Kind: probe.DNSBL, DNSBL: probe.DNSBLCheck{Zones: []string{"zen.spamhaus.org"}}}, "ips"},
		{"dnsbl without zones", probe.Target{Name: "rbl", Kind: probe.DNSBL, DNSBL: probe.DNSBLCheck{IPs: ips("192.0.2.1")}}, "zones"},
		{"dnsbl bad zone", probe.Target{Name: "rbl", Kind: probe.DNSBL, DNSBL: probe.DNSBLCheck{IPs: ips("192.0.2.1"), Zones: []string{"zen..org"}}}, "zones"},
		{"dnsbl bad resolver", probe.Target{Name: "rbl", Kind: probe.DNSBL, DNSBL: probe.DNSBLCheck{IPs: ips("192.0.2.1"), Zones: []string{"z.org"}, Resolver: "127.0.0.1"}}, "resolver"},
		{"unknown kind", probe.Target{Name: "a", Kind: "ftp", Address: "x:21"}, "kind"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.t.Validate()
			switch {
			case tt.errHas == "" && err != nil:
				t.Errorf("Validate = %v, want valid", err)
			case tt.errHas != "" && (err == nil || !strings.Contains(err.Error(), tt.errHas)):
				t.Errorf("Validate = %v, want an error with %q", err, tt.errHas)
			}
		})
	}
}

// A refused connection and a bad banner fail; nothing listening fails
// fast.
func TestCheckRefusedAndBadBanner(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	banner := serve(t, "HTTP/1.1 400 Bad Request\r\n", nil)
	for _, tt := range []struct {
		target probe.Target
		errHas string
	}{
		{probe.Target{Kind: probe.SMTP, Address: closed, StartTLS: true}, "refused"},
		{probe.Target{Kind: probe.SMTP, Address: banner}, "not an SMTP reply"},
		{probe.Target{Kind: probe.IMAP, Address: banner}, "want * OK"},
		{probe.Target{Kind: probe.POP3, Address: banner}, "want +OK"},
	} {
		if err := probe.Check(context.Background(), tt.target); err == nil || !strings.Contains(err.Error(), tt.errHas) {
			t.Errorf("%s at %s: %v, want an error with %q", tt.target.Kind, tt.target.Address, err, tt.errHas)
		}
	}
}

// ips parses IP addresses.
func ips(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}

// A login is never sent in clear, also by a caller that skipped Validate:
// the check fails before the credentials leave.
func TestNoLoginInClear(t *testing.T) {
	var mu sync.Mutex
	var seen strings.Builder
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	greetings := map[string]string{probe.SMTP: "220 mx\r\n", probe.IMAP: "* OK ready\r\n", probe.POP3: "+OK ready\r\n"}
	kind := make(chan string, 1)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			k := <-kind
			c.Write([]byte(greetings[k]))
			b := make([]byte, 4096)
			for {
				n, err := c.Read(b)
				mu.Lock()
				seen.Write(b[:n])
				mu.Unlock()
				if err != nil {
					break
				}
				if k == probe.SMTP {
					c.Write([]byte("250-mx\r\n250 AUTH PLAIN LOGIN\r\n"))
				}
			}
			c.Close()
		}
	}()
	for _, k := range []string{probe.SMTP, probe.IMAP, probe.POP3} {
		kind <- k
		err := probe.Check(context.Background(), probe.Target{Kind: k, Address: ln.Addr().String(), Timeout: 2 * time.Second,
			Login: probe.Login{Username: "probe@example.com", Password: "s3cret"}})
		if err == nil || !strings.Contains(err.Error(), "without TLS") {
			t.Errorf("%s login in clear: %v", k, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(seen.String(), "probe@example.com") || strings.Contains(seen.String(), "AUTH") {
		t.Errorf("the server saw %q", seen.String())
	}
}
