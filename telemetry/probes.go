package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mailmeter/mailmeter/metering/probe"
)

// ProbeCollector is a prometheus.Collector over the probes' latest
// results, read at each scrape.
type ProbeCollector struct {
	last                 func() map[string]probe.Result
	up, latency, checked *prometheus.Desc
}

// NewProbeCollector returns a collector of last's results.
func NewProbeCollector(last func() map[string]probe.Result) *ProbeCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("mailmeter_probe_"+name, help, []string{"probe"}, nil)
	}
	return &ProbeCollector{last: last,
		up:      d("up", "1 if the probe's latest check succeeded."),
		latency: d("duration_seconds", "How long the probe's latest check took."),
		checked: d("last_check_timestamp_seconds", "When the probe last checked (unix seconds)."),
	}
}

// Describe implements prometheus.Collector.
func (c *ProbeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.up
	ch <- c.latency
	ch <- c.checked
}

// Collect implements prometheus.Collector.
func (c *ProbeCollector) Collect(ch chan<- prometheus.Metric) {
	for name, r := range c.last() {
		up := 0.0
		if r.Up {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up, name)
		ch <- prometheus.MustNewConstMetric(c.latency, prometheus.GaugeValue, r.Latency.Seconds(), name)
		ch <- prometheus.MustNewConstMetric(c.checked, prometheus.GaugeValue, float64(r.At.Unix()), name)
	}
}
