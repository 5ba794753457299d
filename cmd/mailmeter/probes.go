package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
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
			return nil, fmt.Errorf("invalid config: probes[%d].%w", i, err)
		}
		out[i] = t
	}
	return out, nil
}

// probeTarget is p's target with what its files hold: the roots of
// ca_file and the passwords of password_file.
func probeTarget(p config.Probe) (probe.Target, error) {
	t, err := p.Target()
	if err != nil {
		return t, err
	}
	if t.Verify.RootCAs, err = readRoots(p.CAFile); err != nil {
		return t, err
	}
	if p.PasswordFile != "" {
		if t.Login.Password, err = readPassword(p.PasswordFile); err != nil {
			return t, err
		}
	}
	if m := p.IMAP; m != nil {
		if t.RoundTrip.IMAP.Verify.RootCAs, err = readRoots(m.CAFile); err != nil {
			return t, fmt.Errorf("imap.%w", err)
		}
		if file := p.IMAPLogin().PasswordFile; file != "" {
			if t.RoundTrip.IMAP.Login.Password, err = readPassword(file); err != nil {
				return t, fmt.Errorf("imap.%w", err)
			}
		}
	}
	return t, nil
}

// readRoots reads the PEM certificates of caFile ("": none, the system's
// roots).
func readRoots(caFile string) (*x509.CertPool, error) {
	if caFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_file %s: no PEM certificate in it", caFile)
	}
	return pool, nil
}

// readPassword reads a password file, without its trailing newline.
func readPassword(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("password_file: %w", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// probeSkip returns the probe accounts as metered mailboxes: they are
// metered nothing.
func probeSkip(c config.Config) []string {
	var out []string
	for _, a := range c.ProbeAccounts() {
		out = append(out, metering.MailboxFor(a, c.RecipientDelimiter()))
	}
	slices.Sort(out)
	return slices.Compact(out)
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
