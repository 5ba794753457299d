package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mailmeter/mailmeter/metering/probe"
)

// DetailCollector is a prometheus.Collector over what the probes' latest
// checks learnt beyond up or down: certificate expiry and round-trip
// time, read at each scrape.
type DetailCollector struct {
	last                        func() map[string]probe.Result
	now                         func() time.Time
	expiry, expiring, roundTrip *prometheus.Desc
}

// NewDetailCollector returns a collector of last's details.
func NewDetailCollector(last func() map[string]probe.Result, now func() time.Time) *DetailCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("mailmeter_probe_"+name, help, []string{"probe"}, nil)
	}
	return &DetailCollector{last: last, now: now,
		expiry:    d("cert_expiry_seconds", "Seconds until the earliest certificate the probe's server presented expires (negative: expired)."),
		expiring:  d("cert_expiring", "1 if that certificate expires within the probe's warning window (cert_warn_days): a warning, not downtime."),
		roundTrip: d("roundtrip_seconds", "Time from sending the round-trip probe's message to seeing it in the probe mailbox, at its latest successful check."),
	}
}

// Describe implements prometheus.Collector.
func (c *DetailCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.expiry
	ch <- c.expiring
	ch <- c.roundTrip
}

// Collect implements prometheus.Collector.
func (c *DetailCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.now()
	for name, r := range c.last() {
		d := r.Detail
		if !d.CertNotAfter.IsZero() {
			expiring := 0.0
			if d.CertExpiring {
				expiring = 1
			}
			ch <- prometheus.MustNewConstMetric(c.expiry, prometheus.GaugeValue, d.CertNotAfter.Sub(now).Seconds(), name)
			ch <- prometheus.MustNewConstMetric(c.expiring, prometheus.GaugeValue, expiring, name)
		}
		if r.Up && d.RoundTrip > 0 {
			ch <- prometheus.MustNewConstMetric(c.roundTrip, prometheus.GaugeValue, d.RoundTrip.Seconds(), name)
		}
	}
}

// ListingCollector is a prometheus.Collector over the DNSBL standings of
// the outgoing IPs.
type ListingCollector struct {
	current func() []probe.Listing
	listed  *prometheus.Desc
}

// NewListingCollector returns a collector of current's standings:
// mailmeter_dnsbl_listed{ip,zone}.
func NewListingCollector(current func() []probe.Listing) *ListingCollector {
	return &ListingCollector{current: current,
		listed: prometheus.NewDesc("mailmeter_dnsbl_listed", "1 if the IP is listed in the DNS blocklist zone at its latest check.", []string{"ip", "zone"}, nil)}
}

// Describe implements prometheus.Collector.
func (c *ListingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.listed }

// Collect implements prometheus.Collector.
func (c *ListingCollector) Collect(ch chan<- prometheus.Metric) {
	for _, l := range c.current() {
		v := 0.0
		if l.Listed {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(c.listed, prometheus.GaugeValue, v, l.IP.String(), l.Zone)
	}
}
