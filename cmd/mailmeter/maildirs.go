package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/maildir"
)

// layoutFor joins a Maildir root and a layout template (an absolute
// template is used as it is).
func layoutFor(root, template, domain string) (*maildir.Layout, error) {
	if template == "" {
		template = "%d/%n"
	}
	if !filepath.IsAbs(template) {
		abs, err := filepath.Abs(root)
		if err != nil {
			return nil, err
		}
		template = filepath.Join(abs, template)
	}
	return maildir.ParseLayout(template, domain)
}

// startMaildirs watches every configured Maildir tree, recording storage
// gauges and committing them every flush interval.
func startMaildirs(ctx context.Context, c config.Config, committer metering.Committer, onCommit func(metering.Batch), log *slog.Logger, wg *sync.WaitGroup) ([]*maildir.Watcher, error) {
	var ws []*maildir.Watcher
	for i, m := range c.Maildirs {
		layout, err := layoutFor(m.Root, m.Layout, m.Domain)
		if err != nil {
			return ws, fmt.Errorf("maildirs[%d]: %w", i, err)
		}
		rec := metering.NewRecorder(committer, onCommit).Skip(probeSkip(c))
		l := log.With("maildir", layout.String())
		rec.SetHooks(metering.RecorderHooks{DeadLetters: func(ds []metering.DeadLetter) {
			l.Warn("storage readings the database refused were kept as dead letters (mailmeter deadletter list)", "count", len(ds), "first", ds[0].Describe(), "err", ds[0].Error)
		}})
		opts := maildir.WatcherOptions{
			Layout: layout, Sink: rec, Logger: l,
			ReconcileInterval: time.Duration(m.Reconcile),
			OnWatchLimit: func(err error) {
				l.Warn("inotify watch limit reached; unwatched folders are rescanned periodically (raise fs.inotify.max_user_watches)", "err", err)
			},
			OnReconcile: func(r maildir.Reconciliation) {
				if len(r.Drift) > 0 || len(r.Added) > 0 || len(r.Removed) > 0 {
					l.Warn("reconciliation corrected drift", "mailboxes", len(r.Drift), "added", len(r.Added), "removed", len(r.Removed))
				}
			},
		}
		w, err := maildir.NewWatcher(ctx, opts)
		if err != nil {
			return ws, fmt.Errorf("maildirs[%d]: %w", i, err)
		}
		ws = append(ws, w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			flushLoop(ctx, rec, time.Duration(c.Collect.FlushInterval), l)
			w.Close()
		}()
	}
	return ws, nil
}

// flushLoop commits a recorder's gauges periodically until ctx ends, then
// once more.
func flushLoop(ctx context.Context, rec *metering.Recorder, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := rec.Flush(fctx, nil); err != nil {
				log.Warn("final storage commit failed", "err", err)
			}
			cancel()
			return
		case <-t.C:
			if err := rec.Flush(ctx, nil); err != nil && ctx.Err() == nil {
				log.Warn("storage commit failed; will retry", "err", err)
			}
		}
	}
}
