package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/internal/periodic"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/metering/maildir"
	"github.com/mailmeter/mailmeter/metering/probe"
	"github.com/mailmeter/mailmeter/metering/tail"
	"github.com/mailmeter/mailmeter/sla"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/telemetry"
)

// sourceSet holds the running metering sources of one process.
type sourceSet struct {
	runners  []*collect.Runner
	maildirs []*maildir.Watcher
	probes   *probe.Runner           // nil without probes
	dnsbl    *probe.BlacklistMonitor // nil without dnsbl probes
	wg       sync.WaitGroup
	mu       sync.Mutex
	errs     []error
}

// logSources builds the log sources of the configuration.
func logSources(c config.Config) ([]collect.LogSource, error) {
	host, _ := os.Hostname()
	var out []collect.LogSource
	for i, l := range c.Logs {
		loc := time.Local
		if l.Timezone != "" {
			z, err := time.LoadLocation(l.Timezone)
			if err != nil {
				return nil, fmt.Errorf("logs[%d].timezone: %w", i, err)
			}
			loc = z
		}
		h := l.Host
		if h == "" {
			h = host
		}
		path, err := filepath.Abs(l.Path)
		if err != nil {
			return nil, err
		}
		stream := collect.StreamName(h, path)
		if c.Collect.Push != "" {
			stream = "" // the ingest API keeps no stream checkpoint
		}
		out = append(out, collect.LogSource{
			Name: h + ":" + path, Path: path, Stream: stream, Format: l.Format,
			Proc: collect.ProcessorOptions{Location: loc, Delimiter: c.RecipientDelimiter(),
				MaxAge: time.Duration(c.Collect.MaxOpenAge), Trusted: c.TrustedSenders(), Bounds: bounds(c), Skip: probeSkip(c)},
			FlushInterval: time.Duration(c.Collect.FlushInterval),
			BatchLines:    c.Collect.BatchLines,
			Tail:          tail.Options{PollInterval: time.Second},
		})
	}
	separateStreams(out)
	return out, nil
}

// separateStreams gives logs that would share a stream (two mail.log in
// different folders of one host) a stream each, named by their full path:
// a backfill reaches it with --stream /full/path.
func separateStreams(srcs []collect.LogSource) {
	n := map[string]int{}
	for _, s := range srcs {
		n[s.Stream]++
	}
	for i, s := range srcs {
		if s.Stream != "" && n[s.Stream] > 1 {
			srcs[i].Stream = s.Name
		}
	}
}

// bounds returns the configured plausibility bounds of log values.
func bounds(c config.Config) metering.Bounds {
	return metering.Bounds{MaxMessageBytes: c.Metering.MaxMessageBytes, MaxRecipients: c.Metering.MaxRecipients}
}

// startCollectors starts a runner per configured log, committing through
// committer; onCommit (may be nil) sees every committed batch.
func startCollectors(ctx context.Context, c config.Config, committer metering.Committer, onCommit func(metering.Batch), log *slog.Logger) (*sourceSet, error) {
	srcs, err := logSources(c)
	if err != nil {
		return nil, err
	}
	cs := &sourceSet{}
	ws, err := startMaildirs(ctx, c, committer, onCommit, log, &cs.wg)
	if err != nil {
		for _, w := range ws {
			w.Close()
		}
		return nil, err
	}
	cs.maildirs = ws
	if err := cs.startProbes(ctx, c, committer, log); err != nil {
		return cs, err // with the Maildir watchers started: wait for them
	}
	for _, src := range srcs {
		r := collect.NewRunner(src, committer, onCommit, log, time.Now)
		cs.runners = append(cs.runners, r)
		cs.wg.Add(1)
		go func() {
			defer cs.wg.Done()
			if err := r.Run(ctx); err != nil {
				log.Error("collector stopped", "source", src.Name, "err", err)
				cs.mu.Lock()
				cs.errs = append(cs.errs, fmt.Errorf("%s: %w", src.Name, err))
				cs.mu.Unlock()
			}
		}()
	}
	return cs, nil
}

// startProbes runs the configured probes, storing their results through
// committer (a database: a push client cannot carry them).
func (cs *sourceSet) startProbes(ctx context.Context, c config.Config, committer metering.Committer, log *slog.Logger) error {
	if len(c.Probes) == 0 {
		return nil
	}
	if c.Collect.Push != "" {
		log.Warn("probes are not run by collect --push (their results need the database); run them in serve", "probes", len(c.Probes))
		return nil
	}
	all, err := probeTargets(c)
	if err != nil {
		return err
	}
	targets, dnsbl := splitDNSBL(all)
	if err := cs.startDNSBL(ctx, c, dnsbl, committer, log); err != nil {
		return err
	}
	if len(targets) == 0 {
		return nil
	}
	cs.probes = probe.NewRunner(targets, committer, log.With("component", "probe"), time.Now)
	cs.wg.Go(func() {
		periodic.Every(time.Duration(c.ProbeInterval), func(tick <-chan time.Time) {
			cs.probes.Run(ctx, tick, warn(log, "probe results not stored; kept for the next round"))
		})
	})
	if st, ok := committer.(sla.Store); ok {
		svc, err := sla.NewService(sla.Deps{Store: st, Services: slaServices(c), Policy: slaPolicy(c), Now: time.Now})
		if err != nil {
			return fmt.Errorf("invalid config: %w", err)
		}
		cs.wg.Go(func() { settleEvery(ctx, svc, time.Hour, log.With("component", "sla")) })
	}
	return nil
}

// settleEvery settles the services' old minutes into intervals (and prunes
// raw checks past their retention) at start and then every period.
func settleEvery(ctx context.Context, svc *sla.Service, period time.Duration, log *slog.Logger) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		if res, err := svc.Settle(ctx); err != nil {
			if ctx.Err() == nil {
				log.Warn("settling service minutes failed; retried later", "err", err)
			}
		} else if res.Pruned > 0 {
			log.Info("raw probe checks pruned", "checks", res.Pruned)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Stats returns the sources' progress, for metrics.
func (cs *sourceSet) Stats() []collect.SourceStats {
	out := make([]collect.SourceStats, len(cs.runners))
	for i, r := range cs.runners {
		out[i] = r.Stats()
	}
	return out
}

// Wait waits for every runner to stop and returns their errors.
func (cs *sourceSet) Wait() error {
	cs.wg.Wait()
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return errors.Join(cs.errs...)
}

// Register adds the sources' metrics to reg.
func (cs *sourceSet) Register(reg prometheus.Registerer) error {
	if cs.probes != nil {
		if err := reg.Register(telemetry.NewProbeCollector(cs.probes.Last)); err != nil {
			return err
		}
		if err := reg.Register(telemetry.NewDetailCollector(cs.probes.Last, time.Now)); err != nil {
			return err
		}
	}
	if cs.dnsbl != nil {
		if err := reg.Register(telemetry.NewListingCollector(cs.dnsbl.Current)); err != nil {
			return err
		}
	}
	if len(cs.maildirs) > 0 {
		if err := reg.Register(telemetry.NewMaildirCollector(cs.maildirStats)); err != nil {
			return err
		}
	}
	return reg.Register(telemetry.NewSourceCollector(cs.Stats, time.Now))
}

// maildirStats returns what each Maildir watcher is doing, by layout.
func (cs *sourceSet) maildirStats() map[string]maildir.WatchStats {
	out := make(map[string]maildir.WatchStats, len(cs.maildirs))
	for _, w := range cs.maildirs {
		out[w.Layout().String()] = w.Stats()
	}
	return out
}

func runCollect(ctx context.Context, e env, args []string) error {
	f := newFlags("collect", "collect [--push URL] [--metrics-listen HOST:PORT]", e)
	push := f.String("push", "", "ship batches to this mailmeter API's /v1/ingest instead of a database (token from env MAILMETER_TOKEN)")
	metricsAddr := f.String("metrics-listen", "127.0.0.1:9154", "serve Prometheus /metrics here (empty: off)")
	if _, err := f.parse(e, args, 0, 0); err != nil {
		return err
	}
	c, log, err := f.load(e)
	if err != nil {
		return err
	}
	if *push != "" {
		c.Collect.Push = *push
	}
	if len(c.Logs) == 0 && len(c.Maildirs) == 0 && (len(c.Probes) == 0 || c.Collect.Push != "") {
		return fmt.Errorf("nothing to collect: configure logs:, maildirs: and/or probes: (see README)")
	}
	committer, closeFn, err := openCommitter(ctx, c, e, log)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while waiting for the database
		}
		return err
	}
	defer closeFn()
	cs, err := startCollectors(ctx, c, committer, nil, log)
	if err != nil {
		return err
	}
	if *metricsAddr != "" {
		reg := prometheus.NewRegistry()
		if err := cs.Register(reg); err != nil {
			return err
		}
		if s, ok := committer.(*store.Store); ok {
			if err := reg.Register(telemetry.NewDeadLetterCollector(s.PendingDeadLetters)); err != nil {
				return err
			}
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", api.MetricsHandler(reg, c.Metrics.Token))
		mctx, stop := context.WithCancel(ctx)
		served := make(chan struct{})
		go func() {
			defer close(served)
			if err := serveHTTP(mctx, log, *metricsAddr, mux, httpTimeouts(c)); err != nil {
				log.Error("metrics server", "err", err)
			}
		}()
		defer func() { stop(); <-served }() // it logs to stderr until it is done
	}
	return cs.Wait()
}

// openCommitter returns where collected usage goes: the configured database,
// or with collect.push a remote ingest API. While the database cannot be
// reached it waits, retrying with backoff, as the collectors do once
// running.
func openCommitter(ctx context.Context, c config.Config, e env, log *slog.Logger) (metering.Committer, func(), error) {
	if c.Collect.Push != "" {
		return pushCommitter(c, e, log)
	}
	var s *store.Store
	err := collect.WaitAvailable(ctx, log, "open database", func() (err error) {
		s, err = openStore(ctx, c, log, true)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return s, func() { s.Close() }, nil
}
