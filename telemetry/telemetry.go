// Package telemetry exposes the collectors' progress as Prometheus metrics:
// lines and bytes read per source, records by kind, unknown lines by reason,
// lag in bytes and seconds, checkpoint age, open messages and evictions,
// anomalies and dead letters. Values are read from the running sources (and
// the database, for pending dead letters) at scrape time.
package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mailmeter/mailmeter/metering/collect"
)

// Sources returns the current stats of every running source.
type Sources func() []collect.SourceStats

// SourceCollector is a prometheus.Collector over running log sources.
type SourceCollector struct {
	sources Sources
	now     func() time.Time

	lines, bytes, records, unknown, lagBytes, lagSeconds, cpAge, open, evicted, commits, commitErrs, gaps *prometheus.Desc
	anomalies, deadLetters                                                                                *prometheus.Desc
}

// NewSourceCollector returns a collector reading sources at each scrape.
func NewSourceCollector(sources Sources, now func() time.Time) *SourceCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("mailmeter_"+name, help, append([]string{"source"}, labels...), nil)
	}
	return &SourceCollector{
		sources:     sources,
		now:         now,
		lines:       d("log_lines_read_total", "Log lines read."),
		bytes:       d("log_bytes_read_total", "Log bytes read (without newlines)."),
		records:     d("log_records_total", "Parsed log records by kind.", "kind"),
		unknown:     d("log_unknown_lines_total", "Lines not understood, by reason.", "reason"),
		lagBytes:    d("log_lag_bytes", "Bytes not yet read from the source's files, measured at the scrape."),
		lagSeconds:  d("log_lag_seconds", "Seconds the newest line read is behind the newest line written, measured at the scrape; 0 when caught up."),
		cpAge:       d("checkpoint_age_seconds", "Seconds since the source's last committed checkpoint."),
		open:        d("correlator_open_messages", "Messages seen but not yet complete."),
		evicted:     d("correlator_evictions_total", "Incomplete messages evicted after the maximum age."),
		commits:     d("commits_total", "Committed batches."),
		commitErrs:  d("commit_errors_total", "Failed commit attempts (retried)."),
		gaps:        d("log_gaps_total", "Stretches of log that could not be read (rotated away unread)."),
		anomalies:   d("log_anomalies_total", "Implausible values not counted (a warning names each line), by reason.", "reason"),
		deadLetters: d("deadletters_total", "Records the database refused, kept as dead letters."),
	}
}

// Describe implements prometheus.Collector.
func (c *SourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.lines, c.bytes, c.records, c.unknown, c.lagBytes, c.lagSeconds, c.cpAge, c.open, c.evicted, c.commits, c.commitErrs, c.gaps, c.anomalies, c.deadLetters} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *SourceCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.now()
	for _, s := range c.sources() {
		src := s.Source
		counter := func(d *prometheus.Desc, v float64, labels ...string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, append([]string{src}, labels...)...)
		}
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, src)
		}
		counter(c.lines, float64(s.Tail.Lines))
		counter(c.bytes, float64(s.Tail.Bytes))
		for kind, n := range s.Proc.Records {
			counter(c.records, float64(n), kind)
		}
		for reason, n := range s.Proc.Unknown {
			counter(c.unknown, float64(n), reason)
		}
		gauge(c.lagBytes, float64(s.Tail.Lag))
		if s.LagSeconds >= 0 {
			gauge(c.lagSeconds, s.LagSeconds)
		}
		if !s.LastCommit.IsZero() {
			gauge(c.cpAge, now.Sub(s.LastCommit).Seconds())
		}
		gauge(c.open, float64(s.Proc.Open))
		counter(c.evicted, float64(s.Proc.Evicted))
		counter(c.commits, float64(s.Commits))
		counter(c.commitErrs, float64(s.CommitErrors))
		counter(c.gaps, float64(s.Gaps))
		for reason, n := range s.Anomalies {
			counter(c.anomalies, float64(n), reason)
		}
		counter(c.deadLetters, float64(s.DeadLetters))
	}
}
