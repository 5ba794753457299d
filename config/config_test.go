package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/config"
)

func TestDefaultsAreValid(t *testing.T) {
	c, err := config.Load("", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.DB != "sqlite:./mailmeter.db" || c.Listen != "127.0.0.1:8080" || c.RecipientDelimiter() != "+" {
		t.Errorf("defaults = %+v", c)
	}
}

func TestFileThenEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	body := "db: postgres://file/db\nlisten: 0.0.0.0:9000\nrecipient_delimiter: \"-\"\nlogs:\n  - path: /var/log/mail.log\n    format: postfix\n    timezone: Europe/Berlin\ncollect:\n  flush_interval: 5s\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"MAILMETER_DB": "sqlite:/tmp/env.db"}
	c, err := config.Load(path, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "sqlite:/tmp/env.db" {
		t.Errorf("env must override file: db = %s", c.DB)
	}
	if c.Listen != "0.0.0.0:9000" || c.RecipientDelimiter() != "-" || len(c.Logs) != 1 || time.Duration(c.Collect.FlushInterval) != 5*time.Second {
		t.Errorf("file values lost: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}

const probeA = "probes:\n  - {name: a, kind: smtp, address: 'x:25'}\n"

// The sla: keys default to a one-minute minimum outage, unknown minutes
// counted as up, five days' notice, 12 h a year and 90 days of checks.
func TestSLADefaults(t *testing.T) {
	s := config.Default().SLA
	if time.Duration(s.MinimumOutage) != time.Minute || s.UnknownCountsAs != "up" || time.Duration(s.MaintenanceNotice) != 120*time.Hour ||
		time.Duration(s.MaintenanceCap) != 12*time.Hour || time.Duration(s.CheckRetention) != 90*24*time.Hour {
		t.Errorf("sla defaults %+v", s)
	}
}

func TestValidateNamesKey(t *testing.T) {
	cases := map[string]string{
		"listen: nowhere":                                                            "listen",
		"db: mysql://x":                                                              "db",
		"log:\n  format: xml":                                                        "log.format",
		"logs:\n  - format: postfix":                                                 "logs[0].path",
		"logs:\n  - path: x\n    format: qmail":                                      "logs[0].format",
		"logs:\n  - path: x\n    timezone: Nope/X":                                   "logs[0].timezone",
		"maildirs:\n  - root: /v\n    layout: '%n'":                                  "maildirs[0].domain",
		"collect:\n  flush_interval: soon":                                           "soon",
		"auth:\n  hs256_secret: short":                                               "auth.hs256_secret",
		"nonsense: 1":                                                                "nonsense",
		"policy:\n  listen: postfix":                                                 "policy.listen",
		"policy:\n  listen: 'unix:'":                                                 "policy.listen",
		"policy:\n  over_quota: bounce":                                              "policy.over_quota",
		"quota:\n  warn_at: [80, 0]":                                                 "quota.warn_at",
		"policy:\n  in_flight: -1s":                                                  "policy.in_flight",
		"probes:\n  - {name: a, kind: gopher, address: 'x:1'}":                       "probes[0].kind",
		"probes:\n  - {name: a, kind: smtp, address: x}":                             "probes[0].address",
		"probes:\n  - {kind: smtp, address: 'x:25'}":                                 "probes[0].name",
		"probe_interval: 0s":                                                         "probe_interval",
		"quota:\n  webhook_url: ftp://x":                                             "quota.webhook_url",
		"quota:\n  webhook_secret: short":                                            "quota.webhook_secret",
		"metering:\n  trusted_senders: {networks: [localhost]}":                      "metering.trusted_senders.networks[0]",
		"metering:\n  trusted_senders: {networks: [10.0.0.0/33]}":                    "metering.trusted_senders.networks[0]",
		"metering:\n  trusted_senders: {uids: [-1]}":                                 "metering.trusted_senders.uids[0]",
		"metering:\n  trusted_senders: {users: ['']}":                                "metering.trusted_senders.users[0]",
		"api:\n  max_large_bodies: 0":                                                "api.max_large_bodies",
		"api:\n  read_timeout: 0s":                                                   "api.read_timeout",
		"api:\n  idle_timeout: -1s":                                                  "api.idle_timeout",
		"auth:\n  max_ttl: 0s":                                                       "auth.max_ttl",
		"metrics:\n  listen: nowhere":                                                "metrics.listen",
		"metrics:\n  token: short":                                                   "metrics.token",
		"metering:\n  max_message_bytes: 0":                                          "metering.max_message_bytes",
		"metering:\n  max_recipients: -1":                                            "metering.max_recipients",
		"policy:\n  over_quota_text: 'full {used}'":                                  "policy.over_quota_text",
		"policy:\n  over_quota_text: \"full\\r\\n\"":                                 "policy.over_quota_text",
		"policy:\n  unknown_recipient: bounce":                                       "policy.unknown_recipient",
		"policy:\n  max_connections: -1":                                             "policy.max_connections",
		"probes:\n  - {name: a, kind: nntp, address: 'x:1'}":                         "probes[0].kind",
		"api:\n  cors_origins: ['*']":                                                "api.cors_origins[0]",
		"api:\n  cors_origins: ['https://*.example.com']":                            "api.cors_origins[0]",
		"api:\n  cors_origins: ['https://ok.example', 'webmail']":                    "api.cors_origins[1]",
		"api:\n  cors_origins: ['https://webmail.example/']":                         "api.cors_origins[0]",
		"api:\n  cors_origins: ['https://WebMail.example']":                          "api.cors_origins[0]",
		"api:\n  cors_origins: ['ftp://webmail.example']":                            "api.cors_origins[0]",
		probeA + "services:\n  - {name: smtp, probes: [b]}":                          "services[0].probes",
		probeA + "services:\n  - {name: SMTP, probes: [a]}":                          "services[0]",
		probeA + "services:\n  - {name: smtp, probes: []}":                           "services[0]",
		probeA + "services:\n  - {name: smtp, probes: [a], down_when: most}":         "services[0]",
		probeA + "services:\n  - {name: s, probes: [a]}\n  - {name: s, probes: [a]}": "services[1].name",
		"probes:\n  - {name: rbl, kind: dnsbl, ips: [192.0.2.1], zones: [z.org]}\nservices:\n  - {name: mx, probes: [rbl]}": "services[0].probes",
		"sla:\n  unknown_counts_as: maybe": "sla.unknown_counts_as",
		"sla:\n  minimum_outage: -1m":      "sla.minimum_outage",
		"sla:\n  maintenance_cap: -1h":     "sla.maintenance_cap",
		"sla:\n  check_retention: -1h":     "sla.check_retention",
	}
	for body, key := range cases {
		path := filepath.Join(t.TempDir(), "c.yaml")
		os.WriteFile(path, []byte(body+"\n"), 0o600)
		c, err := config.Load(path, func(string) string { return "" })
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%q: error %v does not name %s", body, err, key)
		}
	}
}

// metering.trusted_senders reads into the processors' trusted senders: a
// bare address is a network of one.
func TestTrustedSenders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	body := "metering:\n  trusted_senders: {uids: [33], users: [www-data], networks: [127.0.0.1/32, '::1', 10.1.0.0/16]}\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(path, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	tr := c.TrustedSenders()
	if !tr.TrustsUID(33) || tr.TrustsUID(0) || !tr.TrustsUser([]byte("www-data")) || tr.TrustsUser([]byte("root")) {
		t.Errorf("uids/users: %+v", tr)
	}
	for ip, want := range map[string]bool{"127.0.0.1": true, "127.0.0.2": false, "::1": true, "10.1.200.3": true, "10.2.0.1": false, "::ffff:10.1.0.9": true} {
		if got := tr.TrustsClient([]byte(ip)); got != want {
			t.Errorf("TrustsClient(%s) = %v, want %v", ip, got, want)
		}
	}
	if d, _ := config.Load("", func(string) string { return "" }); !d.TrustedSenders().Empty() {
		t.Errorf("default trusts %+v, want nobody", d.TrustedSenders())
	}
}

// api.cors_origins takes exact origins, from the file or a comma-separated
// MAILMETER_CORS_ORIGINS.
func TestCORSOrigins(t *testing.T) {
	env := map[string]string{"MAILMETER_CORS_ORIGINS": "https://webmail.example,http://127.0.0.1:8081"}
	c, err := config.Load("", func(k string) string { return env[k] })
	if err == nil {
		err = c.Validate()
	}
	if err != nil || len(c.API.CORSOrigins) != 2 || c.API.CORSOrigins[1] != "http://127.0.0.1:8081" {
		t.Errorf("cors origins %q, %v", c.API.CORSOrigins, err)
	}
}
