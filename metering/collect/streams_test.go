package collect_test

import (
	"testing"

	"github.com/mailmeter/mailmeter/metering/collect"
)

func TestStreamNameStripsRotationSuffixes(t *testing.T) {
	for path, want := range map[string]string{
		"/var/log/mail.log":               "mx1:mail.log",
		"/var/log/mail.log.1":             "mx1:mail.log",
		"/var/log/mail.log.2.gz":          "mx1:mail.log",
		"/srv/archive/mail.log.12.bz2":    "mx1:mail.log",
		"mail.log-20250101.xz":            "mx1:mail.log",
		"mail.log-2025-01-01.zst":         "mx1:mail.log",
		"/var/log/exim4/mainlog.3.gz":     "mx1:mainlog",
		"/var/log/maillog":                "mx1:maillog",
		"/var/log/mail-server.log":        "mx1:mail-server.log",
		"/var/log/mail.log.old":           "mx1:mail.log.old",
		"/var/log/postfix-2.log":          "mx1:postfix-2.log",
		"/var/log/mail.log.1.gz.partial":  "mx1:mail.log.1.gz.partial",
		"/var/log/mail.info-20250101.bz2": "mx1:mail.info",
	} {
		if got := collect.StreamName("mx1", path); got != want {
			t.Errorf("StreamName(%q) = %q, want %q", path, got, want)
		}
	}
}
