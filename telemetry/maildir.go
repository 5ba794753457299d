package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mailmeter/mailmeter/metering/maildir"
)

// MaildirCollector is a prometheus.Collector over running Maildir
// watchers, read at each scrape.
type MaildirCollector struct {
	stats                            func() map[string]maildir.WatchStats // by layout
	watched, polled, reads, problems *prometheus.Desc
}

// NewMaildirCollector returns a collector of the watchers' stats, keyed by
// their layout (the maildir label).
func NewMaildirCollector(stats func() map[string]maildir.WatchStats) *MaildirCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("mailmeter_maildir_"+name, help, append([]string{"maildir"}, labels...), nil)
	}
	return &MaildirCollector{stats: stats,
		watched:  d("watched_dirs", "Directories watched through inotify."),
		polled:   d("polled_dirs", "Directories polled because they could not be watched."),
		reads:    d("dir_reads_total", "Directories listed."),
		problems: d("problems_total", "Problems met (directories skipped and logged; the rest is metered), by kind.", "kind"),
	}
}

// Describe implements prometheus.Collector.
func (c *MaildirCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.watched, c.polled, c.reads, c.problems} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *MaildirCollector) Collect(ch chan<- prometheus.Metric) {
	for layout, s := range c.stats() {
		ch <- prometheus.MustNewConstMetric(c.watched, prometheus.GaugeValue, float64(s.Watched), layout)
		ch <- prometheus.MustNewConstMetric(c.polled, prometheus.GaugeValue, float64(s.Polled), layout)
		ch <- prometheus.MustNewConstMetric(c.reads, prometheus.CounterValue, float64(s.Reads), layout)
		for kind, n := range s.Problems {
			ch <- prometheus.MustNewConstMetric(c.problems, prometheus.CounterValue, float64(n), layout, string(kind))
		}
	}
}
