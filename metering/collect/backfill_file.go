package collect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/tail"
)

// Why Backfill did not meter a file (in BackfillResult.Err, with details).
var (
	// ErrWrongFormat: most lines were not understood.
	ErrWrongFormat = errors.New("most lines were not understood: the log format is probably wrong")
	// ErrOlder: the file is older than its stream's position.
	ErrOlder = errors.New("older than the stream's position")
)

// streamSlack is how much older than the newest line of its stream a file's
// first line may be and still continue the stream: lines of one log are
// not always written in time order.
const streamSlack = time.Minute

// firstTimeLines bounds the lines read looking for a file's first time.
const firstTimeLines = 1000

// fileRun is the backfill of one file.
type fileRun struct {
	*backfill
	path   string
	res    BackfillResult
	sum    tail.Sum
	cp     metering.Checkpoint // the file's; Seq 0 if it has none
	legacy metering.Checkpoint // the file's under its fingerprint; Seq 0 if none
	mark   streamMark          // the stream's
	from   tail.Position       // where reading starts
	carry  bool                // take the stream's open messages and advance the stream
	// onePass: the file cannot hold the stream's position, so it is read
	// from its start and summed as it is read; its source (and whether it
	// was metered before) is known only at its end.
	onePass bool
	p       *pipeline
	part    *partStream // a streaming backfill's writer, or nil
}

// file backfills one file of stream.
func (b *backfill) file(ctx context.Context, stream, path string) BackfillResult {
	r := &fileRun{backfill: b, path: path, res: BackfillResult{Path: path, Stream: stream}}
	r.res.Err = r.run(ctx)
	return r.res
}

func (r *fileRun) run(ctx context.Context) error {
	if done, err := r.identify(ctx); err != nil || done {
		return err
	}
	if done, err := r.place(ctx); err != nil || done {
		return err
	}
	if r.carry && r.sum.Holds && r.from.Offset >= r.sum.Size && r.mark.cp.Seq > 0 {
		// Read to its end by the stream's last reader: recognise it by
		// its content from now on.
		r.res.Already = true
		return r.commit(ctx, tail.Position{File: r.sum.File, Offset: r.sum.Size})
	}
	defer func() {
		if r.part != nil { // started by read; rolled back unless committed
			r.part.abandon()
		}
	}()
	end, err := r.read(ctx)
	if err != nil {
		return err
	}
	if r.onePass {
		if done, err := r.summed(ctx); err != nil || done {
			return err
		}
	}
	if err := r.judge(); err != nil || r.res.Lines == 0 {
		return err
	}
	return r.commit(ctx, end)
}

// identify loads the stream's checkpoint and decides how the file is
// summed: first, when it may hold the stream's position or was named by
// its fingerprint before (see sum), else as it is read (onePass).
func (r *fileRun) identify(ctx context.Context) (bool, error) {
	var err error
	if r.mark, err = loadStream(ctx, r.c, r.res.Stream); err != nil {
		return false, err
	}
	id, starts, err := tail.StartsAs(r.path, r.mark.pos)
	if err != nil {
		return false, err
	}
	// Before content sums, a file was named by the fingerprint of its
	// first bytes: one of the same size read to its end is taken as done.
	if r.legacy, err = checkpointOf(ctx, r.c, fmt.Sprintf("file:%s:%s", r.opts.hostOf(r.path), id.FP)); err != nil {
		return false, err
	}
	if !starts && r.legacy.Seq == 0 {
		r.onePass, r.sum.File = true, id
		return false, nil
	}
	return r.sumFirst(ctx)
}

// sumFirst sums the file before it is read for its lines, looks up its
// checkpoint and reports whether it was metered to its end before.
func (r *fileRun) sumFirst(ctx context.Context) (bool, error) {
	var err error
	if r.sum, err = tail.SumFile(ctx, r.path, r.mark.pos); err != nil {
		return false, err
	}
	r.onePass = false
	if err := r.lookUp(ctx); err != nil {
		return false, err
	}
	pos, _ := tail.UnmarshalPosition(r.legacy.Position)
	r.res.Already = r.res.Already || (r.legacy.Seq > 0 && pos.Offset == r.sum.Size)
	return r.res.Already, nil
}

// summed takes the sum of a file read in one pass, looks up its checkpoint
// and reports whether it was metered to its end before: then what was
// read is dropped, and the result says only that.
func (r *fileRun) summed(ctx context.Context) (bool, error) {
	if err := r.lookUp(ctx); err != nil || !r.res.Already {
		return false, err
	}
	r.res = BackfillResult{Path: r.res.Path, Source: r.res.Source, Stream: r.res.Stream, Already: true}
	return true, nil
}

// lookUp names the file's source by its sum and loads its checkpoint.
func (r *fileRun) lookUp(ctx context.Context) error {
	r.res.Source = fmt.Sprintf("file:%s:%s", r.opts.hostOf(r.path), r.sum.SHA256[:32])
	var lookup checkpointer = r.c
	if r.part != nil {
		lookup = r.part // the stream may hold the database's only writer
	}
	var err error
	if r.cp, err = checkpointOf(ctx, lookup, r.res.Source); err != nil {
		return err
	}
	r.res.Already = r.cp.Seq > 0 && r.cp.Offset >= r.sum.Size
	return nil
}

// checkpointer looks up checkpoints: a Committer, or a partStream.
type checkpointer interface {
	Checkpoint(ctx context.Context, source string) (metering.Checkpoint, error)
}

// checkpointOf returns the checkpoint of source, Seq 0 if it has none.
func checkpointOf(ctx context.Context, c checkpointer, source string) (metering.Checkpoint, error) {
	cp, err := c.Checkpoint(ctx, source)
	if metering.KindOf(err) == metering.NotFound {
		return metering.Checkpoint{Source: source}, nil
	}
	return cp, err
}

// place decides where reading starts and whether the file continues its
// stream: the file the stream stopped in (read on from there), a newer one
// (read from its start with the stream's open messages), or an older one
// (refused; with Force metered on its own). An older file read in one
// pass is summed first: one metered before is reported as done (true),
// not refused.
func (r *fileRun) place(ctx context.Context) (bool, error) {
	m := &r.mark
	switch {
	case m.cp.Seq == 0:
		r.carry = true // the stream starts here
	case r.sum.Holds && (m.state.Sum == "" || m.state.Sum == r.sum.AtSHA256):
		r.carry, r.from = true, tail.Position{File: r.sum.File, Offset: m.pos.Offset}
	default:
		first, err := r.firstTime(ctx)
		if err != nil {
			return false, err
		}
		r.carry = first.IsZero() || !first.Before(m.state.Newest.Add(-streamSlack))
		if !r.carry && r.onePass {
			if done, err := r.sumFirst(ctx); err != nil || done {
				return done, err
			}
		}
		if !r.carry && !r.opts.Force {
			return false, fmt.Errorf("%w: its first line (%s) is before the newest line the stream %s has metered (%s); not metered, so that no line is counted twice. Backfill rotated files oldest first; to meter this one on its own anyway, without the open messages of the lines before it, force it",
				ErrOlder, first.UTC().Format(time.RFC3339), r.res.Stream, m.state.Newest.UTC().Format(time.RFC3339))
		}
		r.res.Alone = !r.carry
	}
	var err error
	r.p, err = r.pipeline(r.carry && m.cp.Seq > 0)
	return false, err
}

// pipeline returns a pipeline for the file, with the stream's format and
// open messages if restore.
func (r *fileRun) pipeline(restore bool) (*pipeline, error) {
	p := newPipeline(r.opts.Proc, r.path, time.Now, r.log, r.c, r.onCommit)
	saved := r.mark.state
	p.format = r.opts.Format
	if p.format == FormatAuto {
		p.format = ""
	}
	if restore && saved.Format != "" {
		if p.format != "" && p.format != saved.Format {
			return nil, fmt.Errorf("the stream %s was metered as %s, not %s", r.res.Stream, saved.Format, p.format)
		}
		p.format = saved.Format
	}
	if p.format == "" {
		return p, nil
	}
	if err := p.newProcessor(); err != nil {
		return nil, err
	}
	if restore && len(saved.Processor) > 0 {
		if err := p.proc.UnmarshalState(saved.Processor); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// firstTime returns the time of the file's first line that has one (zero
// if none of the first lines has), read as the stream would read it.
func (r *fileRun) firstTime(ctx context.Context) (time.Time, error) {
	p, err := r.pipeline(true)
	if err != nil {
		return time.Time{}, err
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var first time.Time
	n := 0
	_, err = tail.ReadFile(rctx, r.path, tail.Position{}, tail.Options{}, func(line []byte) {
		if n++; n > firstTimeLines || !first.IsZero() || p.feed(line, 0) != nil {
			cancel()
			return
		}
		if p.proc != nil {
			first = p.proc.Stats().NewestLog
		}
	})
	if err != nil && ctx.Err() == nil && rctx.Err() == nil {
		return first, err
	}
	return first, ctx.Err()
}
