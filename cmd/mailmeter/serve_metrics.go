package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/config"
)

// startMetrics serves reg's /metrics (behind metrics.token, if set) on
// metrics.listen, if set, until ctx ends. If that server fails (its address
// is taken) it calls stop, so serve ends with its error, which wait
// returns.
func startMetrics(ctx context.Context, c config.Config, log *slog.Logger, reg *prometheus.Registry, stop func()) (wait func() error) {
	if c.Metrics.Listen == "" {
		return func() error { return nil }
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", api.MetricsHandler(reg, c.Metrics.Token))
	done := make(chan error, 1)
	go func() {
		err := serveHTTP(ctx, log.With("component", "metrics"), c.Metrics.Listen, mux, httpTimeouts(c))
		if err != nil {
			stop()
		}
		done <- err
	}()
	return func() error { return <-done }
}
