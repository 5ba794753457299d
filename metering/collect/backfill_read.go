package collect

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/tail"
)

// read feeds the file's lines from r.from to its end to the pipeline,
// streaming finished hours to the database if asked to, and returns the
// Position at the end.
func (r *fileRun) read(ctx context.Context) (tail.Position, error) {
	opts := tail.Options{}
	if r.opts.Progress != nil {
		opts.Progress = func(done, total int64) { r.opts.Progress(r.path, done, total) }
	}
	if sc, ok := r.c.(metering.StreamCommitter); ok && r.opts.StreamLines > 0 {
		var err error
		if r.part, err = startStream(ctx, sc); err != nil {
			return r.from, err
		}
	}
	p := r.p
	var lineErr error
	var streamed int64 // lines whose finished hours were handed to the stream
	check := int64(min(streamCheck, max(r.opts.StreamLines, 1)))
	offset := r.from.Offset
	end, err := r.readLines(ctx, opts, func(line []byte) {
		r.res.Lines++
		at := offset
		offset += int64(len(line)) + 1
		if lineErr == nil {
			lineErr = p.feed(line, at)
		}
		if r.res.First.IsZero() && r.res.Lines <= firstTimeLines && p.proc != nil {
			r.res.First = p.proc.Stats().NewestLog
		}
		if r.part != nil && p.proc != nil && r.res.Lines%check == 0 &&
			(r.part.idleNow() || r.res.Lines-streamed >= int64(r.opts.StreamLines)) {
			// Lines come in time order: hours before the newest line's are
			// complete and written once; the current hour waits. The writer
			// gets a part whenever it is idle, so it keeps pace with the
			// parser and little is left to write after the last line; it
			// makes the parser wait only when StreamLines lines are pending.
			r.part.send(p.rec.TakeBefore(p.proc.Stats().NewestLog))
			streamed = r.res.Lines
		}
	})
	if lineErr != nil {
		return end, lineErr
	}
	return end, err
}

// readLines reads the file's lines from r.from, summing the file as it is
// read in one pass.
func (r *fileRun) readLines(ctx context.Context, opts tail.Options, fn func([]byte)) (tail.Position, error) {
	if !r.onePass {
		return tail.ReadFile(ctx, r.path, r.from, opts, fn)
	}
	end, sum, err := tail.ReadFileSum(ctx, r.path, opts, fn)
	if err == nil {
		r.sum = sum
	}
	return end, err
}

// judge fills in what the file's lines were, and refuses a file whose
// lines were mostly not understood unless forced.
func (r *fileRun) judge() error {
	p := r.p
	if p.undecided() {
		r.res.Unknown = map[string]int64{"format not recognised": r.res.Lines}
		return fmt.Errorf("cannot tell the log format of %s; pass the format (postfix or exim)", r.path)
	}
	if p.proc == nil {
		return nil // no lines
	}
	st := p.proc.Stats()
	r.res.Last = st.NewestLog
	r.res.Unknown = st.Unknown
	var unknown int64
	for _, n := range st.Unknown {
		unknown += n
	}
	r.res.Metered = max(r.res.Lines-unknown, 0)
	r.res.WrongFormat = unknown*2 > r.res.Lines
	if r.res.WrongFormat && !r.opts.Force {
		return fmt.Errorf("%w: %d of %d lines not understood as %s", ErrWrongFormat, unknown, r.res.Lines, p.format)
	}
	return nil
}

// commit commits the file's usage with its checkpoint and, if the file
// continues its stream, the stream's.
func (r *fileRun) commit(ctx context.Context, end tail.Position) error {
	p := r.p
	st := r.mark.state
	if p.proc != nil {
		p.proc.Expire(p.proc.Stats().NewestLog, p.rec)
		var err error
		if st, err = stateOf(p.format, p.proc); err != nil {
			return err
		}
		if st.Newest.Before(r.mark.state.Newest) && r.carry {
			st.Newest = r.mark.state.Newest
		}
	}
	st.Sum = ""
	if end.Offset == r.sum.Size {
		st.Sum = r.sum.SHA256
	}
	state, err := json.Marshal(st)
	if err != nil {
		return err
	}
	pos, err := end.Marshal()
	if err != nil {
		return err
	}
	next := metering.Checkpoint{Source: r.res.Source, Seq: r.cp.Seq + 1, Offset: end.Offset, Position: pos, State: state}
	var stream *metering.Checkpoint
	if r.carry && !r.res.Already {
		stream = r.mark.next(next, end.Offset-r.from.Offset)
	}
	if r.part != nil {
		r.part.send(p.rec.Take())
		dead, err := r.part.commit(ctx, next, stream)
		if len(dead) > 0 {
			p.deadLettered(dead)
		}
		return err
	}
	return retry(ctx, r.log, "commit backfill of "+r.path, func() error { return p.rec.FlushWith(ctx, &next, stream) })
}
