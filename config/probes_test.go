package config_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/config"
)

func load(t *testing.T, body string) (config.Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(path, func(string) string { return "" })
	if err == nil {
		err = c.Validate()
	}
	return c, err
}

// Every probe kind with its keys loads; the accounts of round-trip probes
// are metered nothing.
func TestProbeKinds(t *testing.T) {
	c, err := load(t, `probe_mailboxes: [monitor@ops.example]
probes:
  - {name: submission, kind: smtp, address: 'mx:587', starttls: true, username: probe@ops.example, password_file: /etc/pw, cert_warn_days: 21}
  - {name: imaps, kind: imap, address: 'imap:993', tls: true, username: probe@ops.example, password: pw, auth: login, ca_file: /etc/ca.pem}
  - {name: pop3, kind: pop3, address: 'pop:110', starttls: true, username: probe@ops.example, password: pw, server_name: pop.example.com}
  - {name: webmail, kind: http, url: 'https://webmail.example.com/', expect_status: 200, expect_body: 'Roundcube'}
  - name: delivery
    kind: roundtrip
    address: 'mx:587'
    starttls: true
    username: sender@ops.example
    password: pw
    from: sender@ops.example
    to: probe@ops.example
    imap: {address: 'imap:993', tls: true, username: probe@ops.example, password: pw}
  - {name: delivery-local, kind: roundtrip, address: 'mx:25', from: a@ops.example, to: local@ops.example, maildir: /var/vmail/ops.example/local, poll: 100ms}
  - {name: rbl, kind: dnsbl, ips: [192.0.2.1, '2001:db8::1'], zones: [zen.spamhaus.org, bl.spamcop.net], resolver: '127.0.0.1:53'}
`)
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Probes[0]; p.Username != "probe@ops.example" || p.PasswordFile != "/etc/pw" || !p.StartTLS || p.CertWarnDays != 21 {
		t.Errorf("submission probe: %+v", p)
	}
	if p := c.Probes[4]; p.IMAP == nil || p.IMAP.Username != "probe@ops.example" || p.IMAP.Password != "pw" {
		t.Errorf("roundtrip probe: %+v", p)
	}
	want := []string{"monitor@ops.example", "probe@ops.example", "sender@ops.example", "probe@ops.example", "local@ops.example"}
	if got := c.ProbeAccounts(); !slices.Equal(got, want) {
		t.Errorf("probe accounts %q, want %q", got, want)
	}
}

func TestProbeValidateNamesKey(t *testing.T) {
	for body, key := range map[string]string{
		"{name: a, kind: imap, address: 'x:143', username: u, password: p}":                                                        "probes[0].username: a login needs tls or starttls",
		"{name: a, kind: imap, address: 'x:993', tls: true, starttls: true}":                                                       "probes[0].starttls",
		"{name: a, kind: imap, address: 'x:993', tls: true, username: u}":                                                          "probes[0].password",
		"{name: a, kind: imap, address: 'x:993', tls: true, password: p}":                                                          "probes[0].username",
		"{name: a, kind: imap, address: 'x:993', tls: true, username: u, password: p, auth: cram}":                                 "probes[0].auth",
		"{name: a, kind: smtp, address: 'x:25', url: 'http://x/'}":                                                                 "probes[0].url",
		"{name: a, kind: smtp, address: 'x:25', cert_warn_days: -1}":                                                               "probes[0].cert_warn_days",
		"{name: a, kind: http, url: 'ftp://x/'}":                                                                                   "probes[0].url",
		"{name: a, kind: http, url: 'http://x/', expect_status: 99}":                                                               "probes[0].expect_status",
		"{name: a, kind: http, url: 'http://x/', expect_body: '('}":                                                                "probes[0].expect_body",
		"{name: a, kind: roundtrip, address: 'x:25', from: a@b, to: c}":                                                            "probes[0].to",
		"{name: a, kind: roundtrip, address: 'x:25', from: a@b, to: c@d}":                                                          "probes[0].maildir",
		"{name: a, kind: roundtrip, address: 'x:25', from: a@b, to: c@d, maildir: /m, imap: {address: 'i:993', tls: true}}":        "probes[0].maildir",
		"{name: a, kind: roundtrip, address: 'x:25', from: a@b, to: c@d, imap: {address: 'i:143'}}":                                "probes[0].imap.tls",
		"{name: a, kind: roundtrip, address: 'x:25', from: a@b, to: c@d, imap: {address: 'i:993', tls: true}}":                     "probes[0].imap.username",
		"{name: a, kind: roundtrip, address: 'x:25', from: a@b, to: c@d, imap: {address: i, tls: true, username: u, password: p}}": "probes[0].imap.address",
		"{name: a, kind: dnsbl, zones: [z.org]}":                                                                                   "probes[0].ips",
		"{name: a, kind: dnsbl, ips: [300.1.1.1], zones: [z.org]}":                                                                 "probes[0].ips[0]",
		"{name: a, kind: dnsbl, ips: [192.0.2.1]}":                                                                                 "probes[0].zones",
		"{name: a, kind: dnsbl, ips: [192.0.2.1], zones: [z.org], resolver: x}":                                                    "probes[0].resolver",
		"{name: a, kind: dnsbl, ips: [192.0.2.1], zones: [z.org], address: 'x:53'}":                                                "probes[0].address",
	} {
		_, err := load(t, "probes:\n  - "+body+"\n")
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: error %v does not name %s", body, err, key)
		}
	}
	if _, err := load(t, "probe_mailboxes: [probe]\n"); err == nil || !strings.Contains(err.Error(), "probe_mailboxes[0]") {
		t.Errorf("probe_mailboxes without @: %v", err)
	}
}
