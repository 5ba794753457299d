package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/config"
)

// Probes are built with their files read: the password file without its
// newline, the mailbox's login inherited; a missing file names its key.
func TestProbeTargetsReadFiles(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "probe.pw")
	writeFile(t, pw, "s3cret\n")
	ca := filepath.Join(dir, "ca.pem")
	writeFile(t, ca, "not a certificate\n")
	c := config.Default()
	c.Probes = []config.Probe{{Name: "delivery", Kind: "roundtrip", Address: "mx:587", StartTLS: true,
		Login: config.Login{Username: "probe@ops.example", PasswordFile: pw}, From: "probe@ops.example", To: "probe@ops.example",
		IMAP: &config.ProbeMailbox{Address: "imap:993", TLS: true}}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	ts, err := probeTargets(c)
	if err != nil {
		t.Fatal(err)
	}
	if l := ts[0].Login; l.Password != "s3cret" || ts[0].RoundTrip.IMAP.Login.Password != "s3cret" || ts[0].RoundTrip.IMAP.Login.Username != "probe@ops.example" {
		t.Errorf("logins: %+v, imap %+v", l, ts[0].RoundTrip.IMAP.Login)
	}
	c.ProbeMailboxes = []string{"Monitor+x@Ops.Example"}
	if skip := probeSkip(c); strings.Join(skip, " ") != "monitor@ops.example probe@ops.example" {
		t.Errorf("probe accounts skipped: %q", skip)
	}
	c.Probes[0].PasswordFile = filepath.Join(dir, "missing")
	if _, err := probeTargets(c); err == nil || !strings.Contains(err.Error(), "probes[0].password_file") {
		t.Errorf("missing password file: %v", err)
	}
	c.Probes[0].PasswordFile = pw
	c.Probes[0].IMAP.CAFile = ca
	if _, err := probeTargets(c); err == nil || !strings.Contains(err.Error(), "probes[0].imap.ca_file") {
		t.Errorf("ca file without certificates: %v", err)
	}
}
