package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/metering/collect"
)

func runBackfill(ctx context.Context, e env, args []string) error {
	f := newFlags("backfill", "backfill [--format auto|postfix|exim] [--host NAME | --host-from-dir] [--stream NAME] [--timezone ZONE] [--workers N] [--force] FILE...", e)
	format := f.String("format", "auto", "log format: auto, postfix or exim")
	host := f.String("host", "", "mail host the files come from (default: this host's name)")
	hostFromDir := f.Bool("host-from-dir", false, "each file's host is the name of its directory (logs/mx1/mail.log.1): hosts' files are read in parallel")
	workers := f.Int("workers", 0, "log streams (host and log name) read at once (default: the number of CPUs)")
	stream := f.String("stream", "", "log name every file belongs to, e.g. mail.log (default: each file's name without rotation suffixes)")
	tz := f.String("timezone", "Local", "zone of timestamps that carry none")
	force := f.Bool("force", false, "meter files the checks refuse: mostly not understood (wrong format?), or older than their stream's position (metered on their own)")
	files, err := f.parse(e, args, 1, -1)
	if err != nil {
		return err
	}
	switch *format {
	case collect.FormatAuto, collect.FormatPostfix, collect.FormatExim:
	default:
		return usagef("--format %q: want auto, postfix or exim", *format)
	}
	if *workers < 0 {
		return usagef("--workers %d: want a positive number, or 0 for the number of CPUs", *workers)
	}
	if *hostFromDir && *host != "" {
		return usagef("--host and --host-from-dir: give one")
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
	bar := &backfillBar{w: e.stderr, files: map[string][2]int64{}}
	opts := collect.BackfillOptions{
		Host: *host, HostFromDir: *hostFromDir, Format: *format, Stream: *stream, Force: *force, Workers: *workers,
		Proc: collect.ProcessorOptions{Location: loc, Delimiter: c.RecipientDelimiter(), MaxAge: time.Duration(c.Collect.MaxOpenAge),
			Trusted: c.TrustedSenders(), Bounds: bounds(c), Skip: probeSkip(c)},
		StreamLines: collect.DefaultStreamLines, // the database writes while the file is parsed
		Progress:    bar.update,
	}
	res, err := collect.Backfill(ctx, files, opts, s, nil, log)
	bar.done()
	failed := 0
	for _, r := range res {
		if !reportBackfill(e.stdout, e.stderr, r) {
			failed++
		}
	}
	if err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files not metered", failed, len(res))
	}
	return nil
}

// reportBackfill prints what the backfill did with one file: a line on w,
// and why it was not metered on errw. It reports whether it was metered.
func reportBackfill(w, errw io.Writer, r collect.BackfillResult) bool {
	switch {
	case r.Already:
		fmt.Fprintf(w, "%s: already backfilled, nothing counted\n", r.Path)
	case r.Lines > 0:
		fmt.Fprintf(w, "%s: %s\n", r.Path, backfillSummary(r))
	case r.Err == nil:
		fmt.Fprintf(w, "%s: no lines\n", r.Path)
	}
	if r.Err == nil {
		return true
	}
	hint := ""
	switch {
	case errors.Is(r.Err, collect.ErrWrongFormat):
		hint = " (pass the right --format, or --force to meter it anyway)"
	case errors.Is(r.Err, collect.ErrOlder):
		hint = " (--force meters it on its own)"
	}
	fmt.Fprintf(errw, "%s: not metered: %v%s\n", r.Path, r.Err, hint)
	return false
}

// backfillSummary says how many lines a file had, how many were metered
// and why the others were not understood, and the time span they cover.
func backfillSummary(r collect.BackfillResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d lines read, %d metered", r.Lines, r.Metered)
	if n := r.Lines - r.Metered; n > 0 {
		reasons := make([]string, 0, len(r.Unknown))
		for k := range r.Unknown {
			reasons = append(reasons, k)
		}
		sort.Slice(reasons, func(i, j int) bool {
			a, b := reasons[i], reasons[j]
			return r.Unknown[a] > r.Unknown[b] || (r.Unknown[a] == r.Unknown[b] && a < b)
		})
		for i, k := range reasons {
			reasons[i] = fmt.Sprintf("%s %d", k, r.Unknown[k])
		}
		fmt.Fprintf(&b, ", %d not understood (%s)", n, strings.Join(reasons, ", "))
	}
	if !r.First.IsZero() {
		fmt.Fprintf(&b, "; %s – %s", r.First.UTC().Format(time.RFC3339), r.Last.UTC().Format(time.RFC3339))
	} else {
		b.WriteString("; no line with a time")
	}
	if r.Alone {
		b.WriteString("; metered on its own (older than its stream's position)")
	}
	if r.WrongFormat && r.Err == nil {
		b.WriteString("; most lines not understood: the format is probably wrong")
	}
	return b.String()
}

// backfillBar draws one progress bar for the files being backfilled: the
// file's name while one is read, "N files" while several are.
type backfillBar struct {
	w     io.Writer
	bar   *progress
	files map[string][2]int64 // path → done, total of the files not finished
}

func (b *backfillBar) update(path string, done, total int64) {
	if done >= total {
		delete(b.files, path)
	} else {
		b.files[path] = [2]int64{done, total}
	}
	label := path
	if len(b.files) > 1 {
		label = fmt.Sprintf("%d files", len(b.files))
	}
	if b.bar == nil || b.bar.label != label {
		b.done()
		b.bar = newProgress(b.w, label)
	}
	var d, t int64
	for _, f := range b.files {
		d, t = d+f[0], t+f[1]
	}
	if len(b.files) == 0 {
		d, t = done, total
	}
	b.bar.update(d, t)
}

func (b *backfillBar) done() {
	if b.bar != nil {
		b.bar.done()
		b.bar = nil
	}
}
