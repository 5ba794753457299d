package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/probe"
)

// probeTargets builds the configured probes, reading their CA and password
// files; an error names the probe's key.
func probeTargets(c config.Config) ([]probe.Target, error) {
	out := make([]probe.Target, len(c.Probes))
	for i, p := range c.Probes {
		t, err := probeTarget(p)
		if err == nil {
			err = t.Validate()
		}
		if err != nil {
			return nil, fmt.Errorf("invalid config: probes[%d] (%s): %w", i, p.Name, err)
		}
		out[i] = t
	}
	return out, nil
}

func probeTarget(p config.Probe) (probe.Target, error) {
	t := probe.Target{Name: p.Name, Kind: p.Kind, Address: p.Address, TLS: p.TLS, StartTLS: p.StartTLS,
		Timeout:   time.Duration(p.Timeout),
		HTTP:      probe.HTTPCheck{URL: p.URL, Status: p.ExpectStatus},
		RoundTrip: probe.RoundTripCheck{From: p.From, To: p.To, Maildir: p.Maildir, Poll: time.Duration(p.Poll)},
		DNSBL:     probe.DNSBLCheck{Zones: p.Zones, Resolver: p.Resolver}}
	var err error
	if t.Verify, err = probeVerify(p.ServerName, p.CAFile, p.CertWarnDays); err != nil {
		return t, err
	}
	if t.Login, err = probeLogin(p.Login); err != nil {
		return t, err
	}
	if p.ExpectBody != "" {
		if t.HTTP.Body, err = regexp.Compile(p.ExpectBody); err != nil {
			return t, fmt.Errorf("expect_body: %w", err)
		}
	}
	for _, s := range p.IPs {
		ip, err := netip.ParseAddr(s)
		if err != nil {
			return t, fmt.Errorf("ips: %w", err)
		}
		t.DNSBL.IPs = append(t.DNSBL.IPs, ip)
	}
	if m := p.IMAP; m != nil {
		box := probe.Target{Kind: probe.IMAP, Address: m.Address, TLS: m.TLS, StartTLS: m.StartTLS}
		if box.Verify, err = probeVerify(m.ServerName, m.CAFile, p.CertWarnDays); err != nil {
			return t, fmt.Errorf("imap: %w", err)
		}
		login := m.Login
		if login.Username == "" {
			login = p.Login // the probe account reads its own mailbox
		}
		if box.Login, err = probeLogin(login); err != nil {
			return t, fmt.Errorf("imap: %w", err)
		}
		t.RoundTrip.IMAP = &box
	}
	return t, nil
}

// probeVerify reads the roots of caFile (none: the system's).
func probeVerify(serverName, caFile string, warnDays int) (probe.Verify, error) {
	v := probe.Verify{ServerName: serverName, WarnBefore: time.Duration(warnDays) * 24 * time.Hour}
	if caFile == "" {
		return v, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return v, fmt.Errorf("ca_file: %w", err)
	}
	v.RootCAs = x509.NewCertPool()
	if !v.RootCAs.AppendCertsFromPEM(pem) {
		return v, fmt.Errorf("ca_file %s: no PEM certificate in it", caFile)
	}
	return v, nil
}

// probeLogin reads the password file of a login.
func probeLogin(l config.Login) (probe.Login, error) {
	out := probe.Login{Username: l.Username, Password: l.Password, Mechanism: l.Auth}
	if l.PasswordFile != "" {
		b, err := os.ReadFile(l.PasswordFile)
		if err != nil {
			return out, fmt.Errorf("password_file: %w", err)
		}
		out.Password = strings.TrimRight(string(b), "\r\n")
	}
	return out, nil
}

// probeSkip returns the probe accounts as metered mailboxes: they are
// metered nothing.
func probeSkip(c config.Config) []string {
	var out []string
	for _, a := range c.ProbeAccounts() {
		out = append(out, metering.MailboxFor(a, c.RecipientDelimiter()))
	}
	return out
}

// splitDNSBL separates the dnsbl probes (run by the blacklist monitor: a
// listing is not downtime) from the others (run by the availability
// runner).
func splitDNSBL(all []probe.Target) (availability, dnsbl []probe.Target) {
	for _, t := range all {
		if t.Kind == probe.DNSBL {
			dnsbl = append(dnsbl, t)
		} else {
			availability = append(availability, t)
		}
	}
	return availability, dnsbl
}

// startDNSBL runs the dnsbl probes every probe interval, recording
// listings in the database (queued as webhook events with
// quota.webhook_url).
func (cs *sourceSet) startDNSBL(ctx context.Context, c config.Config, targets []probe.Target, committer metering.Committer, log *slog.Logger) error {
	if len(targets) == 0 {
		return nil
	}
	ls, ok := committer.(probe.ListingStore)
	if !ok {
		return errors.New("dnsbl probes record listings in the database: run them where it is (serve or collect without push)")
	}
	cs.dnsbl = probe.NewBlacklistMonitor(targets, ls, c.Quota.WebhookURL != "", log.With("component", "dnsbl"))
	cs.wg.Go(func() {
		t := time.NewTicker(time.Duration(c.ProbeInterval))
		defer t.Stop()
		cs.dnsbl.Run(ctx, t.C, func(err error) { log.Warn("dnsbl check failed", "err", err) })
	})
	return nil
}
