package collect

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/tail"
)

// BackfillOptions configure a backfill.
type BackfillOptions struct {
	Host     string // mail host the files come from; part of each file's source name
	Format   string // auto, postfix or exim
	Proc     ProcessorOptions
	Progress func(path string, done, total int64) // may be nil
	// StreamLines, if positive and the committer is a
	// metering.StreamCommitter, writes usage while the file is still being
	// read, in the transaction that commits the file's checkpoint: the
	// database works in parallel with parsing. Finished hours go to the
	// database whenever it is idle, and at the latest every StreamLines
	// lines.
	// Worth it on PostgreSQL; on SQLite it would hold the write lock for
	// the whole file.
	StreamLines int
}

// DefaultStreamLines is the StreamLines `mailmeter backfill` uses with
// PostgreSQL.
const DefaultStreamLines = 250_000

// streamCheck is how often, in lines, a streaming backfill looks whether
// the database writer is idle.
const streamCheck = 8192

// BackfillResult says what a backfill did with one file.
type BackfillResult struct {
	Path    string
	Source  string // "file:HOST:FINGERPRINT": the same content backfilled again is recognised
	Lines   int64
	Already bool // the file had been backfilled to its end before: nothing counted
}

// Backfill reads finished log files (plain or gzip) oldest first (by
// modification time) as one stream, so messages whose lines span rotated
// files are correlated, and commits each file's usage with a checkpoint
// keyed by the file's content fingerprint. Backfilling the same file again
// counts nothing; a file that grew since is read from where it stopped; an
// interrupted backfill commits nothing for the file it was reading and
// resumes with it.
func Backfill(ctx context.Context, files []string, o BackfillOptions, c metering.Committer, onCommit func(metering.Batch), log *slog.Logger) ([]BackfillResult, error) {
	ordered, err := byAge(files)
	if err != nil {
		return nil, err
	}
	p := newPipeline(o.Proc, "", time.Now, log, c, onCommit)
	if len(ordered) > 0 {
		p.path = ordered[0]
	}
	if o.Format != "" && o.Format != FormatAuto {
		p.format = o.Format
		if err := p.newProcessor(); err != nil {
			return nil, err
		}
	}
	var results []BackfillResult
	for _, path := range ordered {
		res, err := backfillFile(ctx, path, o, p, c, log)
		if err != nil {
			return results, fmt.Errorf("backfill %s: %w", path, err)
		}
		results = append(results, res)
	}
	return results, nil
}

func backfillFile(ctx context.Context, path string, o BackfillOptions, p *pipeline, c metering.Committer, log *slog.Logger) (BackfillResult, error) {
	id, err := tail.Identify(path)
	if err != nil {
		return BackfillResult{}, err
	}
	res := BackfillResult{Path: path, Source: fmt.Sprintf("file:%s:%s", o.Host, id.FP)}
	cp, err := c.Checkpoint(ctx, res.Source)
	switch {
	case metering.KindOf(err) == metering.NotFound:
		cp = metering.Checkpoint{Source: res.Source}
	case err != nil:
		return res, err
	}
	from, err := tail.UnmarshalPosition(cp.Position)
	if err != nil {
		return res, err
	}
	if cp.Seq > 0 {
		// Resume with the open messages as they stood after this file.
		if err := p.restoreState(cp.State); err != nil {
			return res, err
		}
	}
	p.path = path
	opts := tail.Options{}
	if o.Progress != nil {
		opts.Progress = func(done, total int64) { o.Progress(path, done, total) }
	}
	var stream *partStream
	if sc, ok := c.(metering.StreamCommitter); ok && o.StreamLines > 0 {
		if stream, err = startStream(ctx, sc, res.Source); err != nil {
			return res, err
		}
		defer stream.abandon()
	}
	var lineErr error
	var streamed int64 // lines whose finished hours were handed to the stream
	check := int64(min(streamCheck, max(o.StreamLines, 1)))
	offset := cp.Offset
	end, err := tail.ReadFile(ctx, path, from, opts, func(line []byte) {
		res.Lines++
		at := offset
		offset += int64(len(line)) + 1
		if lineErr == nil {
			lineErr = p.feed(line, at)
		}
		if stream != nil && p.proc != nil && res.Lines%check == 0 &&
			(stream.idleNow() || res.Lines-streamed >= int64(o.StreamLines)) {
			// Lines come in time order: hours before the newest line's are
			// complete and written once; the current hour waits. The writer
			// gets a part whenever it is idle, so it keeps pace with the
			// parser and little is left to write after the last line; it
			// makes the parser wait only when StreamLines lines are pending.
			stream.send(p.rec.TakeBefore(p.proc.Stats().NewestLog))
			streamed = res.Lines
		}
	})
	if lineErr != nil {
		return res, lineErr
	}
	if err != nil {
		return res, err
	}
	if p.undecided() {
		return res, fmt.Errorf("cannot tell the log format of %s; pass --format postfix or exim", path)
	}
	if res.Lines == 0 && cp.Seq > 0 {
		res.Already = true
		return res, nil
	}
	if p.proc == nil {
		return res, nil // empty file
	}
	p.proc.Expire(p.proc.Stats().NewestLog, p.rec)
	state, err := encodeState(p.format, p.proc)
	if err != nil {
		return res, err
	}
	pos, err := end.Marshal()
	if err != nil {
		return res, err
	}
	next := metering.Checkpoint{Source: res.Source, Seq: cp.Seq + 1, Offset: offset, Position: pos, State: state}
	if stream != nil {
		stream.send(p.rec.Take())
		dead, err := stream.commit(ctx, next)
		if len(dead) > 0 {
			p.deadLettered(dead)
		}
		return res, err
	}
	err = retry(ctx, log, "commit backfill of "+path, func() error { return p.rec.Flush(ctx, &next) })
	return res, err
}

// restoreState replaces the processor's open messages with a saved state.
func (p *pipeline) restoreState(b []byte) error {
	saved, err := decodeState(b)
	if err != nil || saved.Format == "" {
		return err
	}
	if p.proc == nil {
		p.format = saved.Format
		if err := p.newProcessor(); err != nil {
			return err
		}
	}
	if saved.Format != p.format {
		return fmt.Errorf("file was backfilled as %s, not %s", saved.Format, p.format)
	}
	return p.proc.UnmarshalState(saved.Processor)
}

// byAge orders files oldest first by modification time (rotated files are
// older than the live one).
func byAge(files []string) ([]string, error) {
	type f struct {
		path  string
		mtime time.Time
	}
	fs := make([]f, 0, len(files))
	for _, p := range files {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if fi.IsDir() {
			return nil, fmt.Errorf("%s is a directory", p)
		}
		fs = append(fs, f{p, fi.ModTime()})
	}
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].mtime.Before(fs[j].mtime) })
	out := make([]string, len(fs))
	for i, x := range fs {
		out[i] = x.path
	}
	return out, nil
}
