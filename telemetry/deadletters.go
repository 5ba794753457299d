package telemetry

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DeadLetterCollector is a prometheus.Collector of the dead letters not yet
// replayed, counted in the database at each scrape.
type DeadLetterCollector struct {
	pending func(context.Context) (int64, error)
	desc    *prometheus.Desc
}

// NewDeadLetterCollector returns a collector asking pending (typically
// store.PendingDeadLetters) at each scrape.
func NewDeadLetterCollector(pending func(context.Context) (int64, error)) *DeadLetterCollector {
	return &DeadLetterCollector{pending: pending,
		desc: prometheus.NewDesc("mailmeter_deadletters_pending", "Dead letters not yet replayed (mailmeter deadletter list).", nil, nil)}
}

// Describe implements prometheus.Collector.
func (c *DeadLetterCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector. When the database does not
// answer within a few seconds the metric is reported invalid for this
// scrape.
func (c *DeadLetterCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	n, err := c.pending(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n))
}
