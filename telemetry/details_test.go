package telemetry_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/mailmeter/mailmeter/metering/probe"
	"github.com/mailmeter/mailmeter/telemetry"
)

func TestProbeDetailMetrics(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	last := map[string]probe.Result{
		"submission": {Probe: "submission", Up: true, Detail: probe.Detail{CertNotAfter: now.Add(3 * 24 * time.Hour), CertExpiring: true}},
		"delivery":   {Probe: "delivery", Up: true, Detail: probe.Detail{RoundTrip: 1500 * time.Millisecond}},
		"late":       {Probe: "late", Up: false, Detail: probe.Detail{RoundTrip: 0}},
		"smtp":       {Probe: "smtp", Up: true},
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(telemetry.NewDetailCollector(func() map[string]probe.Result { return last }, func() time.Time { return now }))
	reg.MustRegister(telemetry.NewListingCollector(func() []probe.Listing {
		return []probe.Listing{{IP: netip.MustParseAddr("192.0.2.1"), Zone: "zen.spamhaus.org", Listed: true},
			{IP: netip.MustParseAddr("192.0.2.1"), Zone: "bl.spamcop.net"}}
	}))
	want := `
# HELP mailmeter_probe_cert_expiry_seconds Seconds until the earliest certificate the probe's server presented expires (negative: expired).
# TYPE mailmeter_probe_cert_expiry_seconds gauge
mailmeter_probe_cert_expiry_seconds{probe="submission"} 259200
# HELP mailmeter_probe_cert_expiring 1 if that certificate expires within the probe's warning window (cert_warn_days): a warning, not downtime.
# TYPE mailmeter_probe_cert_expiring gauge
mailmeter_probe_cert_expiring{probe="submission"} 1
# HELP mailmeter_probe_roundtrip_seconds Time from sending the round-trip probe's message to seeing it in the probe mailbox, at its latest successful check.
# TYPE mailmeter_probe_roundtrip_seconds gauge
mailmeter_probe_roundtrip_seconds{probe="delivery"} 1.5
# HELP mailmeter_dnsbl_listed 1 if the IP is listed in the DNS blocklist zone at its latest check.
# TYPE mailmeter_dnsbl_listed gauge
mailmeter_dnsbl_listed{ip="192.0.2.1",zone="bl.spamcop.net"} 0
mailmeter_dnsbl_listed{ip="192.0.2.1",zone="zen.spamhaus.org"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
