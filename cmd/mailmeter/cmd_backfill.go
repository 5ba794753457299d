package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/store"
)

func runBackfill(ctx context.Context, e env, args []string) error {
	f := newFlags("backfill", "backfill [--format auto|postfix|exim] [--host NAME] [--timezone ZONE] FILE...", e)
	format := f.String("format", "auto", "log format: auto, postfix or exim")
	host := f.String("host", "", "mail host the files come from (default: this host's name)")
	tz := f.String("timezone", "Local", "zone of timestamps that carry none")
	files, err := f.parse(e, args, 1, -1)
	if err != nil {
		return err
	}
	switch *format {
	case collect.FormatAuto, collect.FormatPostfix, collect.FormatExim:
	default:
		return usagef("--format %q: want auto, postfix or exim", *format)
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return usagef("--timezone %q: not an IANA zone", *tz)
	}
	if *host == "" {
		*host, _ = os.Hostname()
	}
	c, log, err := f.load(e)
	if err != nil {
		return err
	}
	s, err := openStore(ctx, c, log, true)
	if err != nil {
		return err
	}
	defer s.Close()
	var bar *progress
	opts := collect.BackfillOptions{
		Host: *host, Format: *format,
		Proc: collect.ProcessorOptions{Location: loc, Delimiter: c.RecipientDelimiter(), MaxAge: time.Duration(c.Collect.MaxOpenAge),
			Bounds: bounds(c)},
		Progress: func(path string, done, total int64) {
			if bar == nil || bar.label != path {
				if bar != nil {
					bar.done()
				}
				bar = newProgress(e.stderr, path)
			}
			bar.update(done, total)
		},
	}
	if s.Dialect() == store.Postgres {
		opts.StreamLines = collect.DefaultStreamLines // the database writes while the file is parsed
	}
	res, err := collect.Backfill(ctx, files, opts, s, nil, log)
	if bar != nil {
		bar.done()
	}
	for _, r := range res {
		if r.Already {
			fmt.Fprintf(e.stdout, "%s: already backfilled, nothing counted\n", r.Path)
		} else {
			fmt.Fprintf(e.stdout, "%s: %d lines metered\n", r.Path, r.Lines)
		}
	}
	return err
}
