package collect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/tail"
)

// LogSource describes one tailed log.
type LogSource struct {
	Name          string // checkpoint key: "host:/var/log/mail.log"
	Path          string
	Format        string // auto, postfix or exim
	Proc          ProcessorOptions
	Tail          tail.Options
	FlushInterval time.Duration // commit at least this often while lines arrive
	BatchLines    int           // commit after this many lines
	// Stream, if set, is the log stream the source reads (StreamName):
	// the collector starts where the stream's last reader (a backfill)
	// stopped, and each commit advances the stream too, for the next one.
	Stream string
}

// Runner tails one log source and commits its usage exactly once.
type Runner struct {
	src       LogSource
	committer metering.Committer
	onCommit  func(metering.Batch)
	log       *slog.Logger
	now       func() time.Time

	mu     sync.Mutex
	stats  SourceStats
	tailer *tail.Tailer // while Run reads; its Stats are measured when asked
}

// SourceStats describes a running source, for metrics.
type SourceStats struct {
	Source       string
	Path         string
	Format       string
	Tail         tail.Stats
	Proc         metering.ProcessorStats
	Commits      int64
	CommitErrors int64
	Gaps         int64
	LastCommit   time.Time
	Seq          int64
	Anomalies    map[string]int64 // implausible values not counted, by reason (metering.Anomaly*)
	DeadLetters  int64            // records the database refused, kept as dead letters
	// LagSeconds is how far, in log time, the newest line read is behind
	// the newest line written: 0 when caught up, -1 before any line (see
	// lagSeconds). Like Tail.Lag, it is measured when Stats is called.
	LagSeconds float64
}

// NewRunner returns a Runner for src. onCommit may be nil.
func NewRunner(src LogSource, c metering.Committer, onCommit func(metering.Batch), log *slog.Logger, now func() time.Time) *Runner {
	if src.FlushInterval <= 0 {
		src.FlushInterval = 2 * time.Second
	}
	if src.BatchLines <= 0 {
		src.BatchLines = 50000
	}
	if src.Format == "" {
		src.Format = FormatAuto
	}
	return &Runner{src: src, committer: c, onCommit: onCommit, log: log.With("source", src.Name), now: now,
		stats: SourceStats{Source: src.Name, Path: src.Path, Format: src.Format}}
}

// Stats returns a snapshot of the source's progress, its lag measured now
// against the log's files.
func (r *Runner) Stats() SourceStats {
	r.mu.Lock()
	s, t := r.stats, r.tailer
	r.mu.Unlock()
	var newest []byte
	if t != nil {
		s.Tail = t.Stats()
		if s.Tail.Lag > 0 {
			newest = t.NewestLine()
		}
	}
	s.LagSeconds = r.lagSeconds(s, newest)
	return s
}

// run holds the state of one Run.
type run struct {
	*Runner
	*pipeline
	cp     metering.Checkpoint
	tailer *tail.Tailer
	pos    tail.Position
	offset int64
	lines  int // lines since the last commit
}

// Run tails the source until ctx ends. It resumes from the committed
// checkpoint, and commits usage with the checkpoint at least every
// FlushInterval while lines arrive. While the committer is unavailable it
// retries with backoff and reads nothing further. It returns nil when ctx
// ends, and an error for what retrying cannot fix (another writer owns the
// source, an undetectable format).
func (r *Runner) Run(ctx context.Context) error {
	st, err := r.start(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer func() {
		r.mu.Lock()
		r.tailer = nil
		r.mu.Unlock()
		st.tailer.Close()
	}()
	for {
		if err := st.step(ctx); err != nil {
			if ctx.Err() != nil {
				st.finalFlush()
				return nil
			}
			return err
		}
	}
}

func (r *Runner) start(ctx context.Context) (*run, error) {
	st := &run{Runner: r}
	st.pipeline = newPipeline(r.src.Proc, r.src.Path, r.now, r.log, r.committer, r.onCommit)
	st.onFormat = r.setFormat
	err := retry(ctx, r.log, "load checkpoint", func() error {
		cp, err := r.committer.Checkpoint(ctx, r.src.Name)
		if metering.KindOf(err) == metering.NotFound {
			st.cp = metering.Checkpoint{Source: r.src.Name}
			return nil
		}
		st.cp = cp
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := st.handoff(ctx); err != nil {
		return nil, err
	}
	if err := st.restore(); err != nil {
		return nil, err
	}
	t, err := tail.Open(r.src.Path, st.pos, r.src.Tail)
	if err != nil {
		return nil, fmt.Errorf("tail %s: %w", r.src.Path, err)
	}
	st.tailer = t
	r.mu.Lock()
	r.tailer = t
	r.mu.Unlock()
	if st.cp.Seq == 0 {
		// Record the file this source starts with before reading it: a
		// restart must find it again, even rotated away, rather than start
		// with whatever file is at the path then.
		st.pos = t.Stats().Position
		if err := st.flushEmpty(ctx); err != nil {
			t.Close()
			return nil, err
		}
	}
	r.log.Info("collecting", "path", r.src.Path, "format", st.format, "seq", st.cp.Seq, "position", st.pos.String())
	return st, nil
}

// restore rebuilds position, format and open messages from the checkpoint.
func (st *run) restore() error {
	pos, err := tail.UnmarshalPosition(st.cp.Position)
	if err != nil {
		return err
	}
	saved, err := decodeState(st.cp.State)
	if err != nil {
		return err
	}
	st.pos, st.offset = pos, st.cp.Offset
	st.format = st.src.Format
	if st.format == FormatAuto {
		st.format = saved.Format
	}
	if st.format == "" || st.format == FormatAuto {
		st.format = ""
		return nil
	}
	if err := st.newProcessor(); err != nil {
		return err
	}
	if saved.Format == st.format && len(saved.Processor) > 0 {
		return st.proc.UnmarshalState(saved.Processor)
	}
	return nil
}

func (r *Runner) setFormat(f string) {
	r.mu.Lock()
	r.stats.Format = f
	r.mu.Unlock()
}

// step reads one batch of lines and commits when due.
func (st *run) step(ctx context.Context) error {
	nctx, cancel := ctx, context.CancelFunc(func() {})
	if st.lines > 0 {
		nctx, cancel = context.WithTimeout(ctx, st.src.FlushInterval)
	}
	var lineErr error
	pos, err := st.tailer.Next(nctx, st.src.BatchLines, 8<<20, func(line []byte) {
		at := st.offset
		st.offset += int64(len(line)) + 1
		st.lines++
		if lineErr == nil {
			lineErr = st.feed(line, at)
		}
	})
	// Only the flush deadline running out counts (cancel makes Err
	// non-nil too: testing Err alone committed after every read, a
	// transaction per line when the MTA writes lines one by one).
	due := errors.Is(nctx.Err(), context.DeadlineExceeded)
	cancel()
	if lineErr != nil {
		return lineErr
	}
	var gap *tail.GapError
	switch {
	case err == nil:
		st.pos = pos
	case errors.As(err, &gap):
		st.pos = pos
		st.Runner.log.Warn("log lines could not be read", "err", gap)
		st.mu.Lock()
		st.stats.Gaps++
		st.mu.Unlock()
	case ctx.Err() != nil:
		return ctx.Err()
	case due:
		// Flush deadline: nothing new arrived in time.
	default:
		st.Runner.log.Warn("tail", "err", err)
	}
	st.snapshot()
	if st.lines >= st.src.BatchLines || (st.lines > 0 && st.Runner.now().Sub(st.stats.LastCommit) >= st.src.FlushInterval) || due {
		return st.flush(ctx)
	}
	return nil
}

// flush commits the pending usage with the checkpoint, retrying while the
// committer is unavailable. Lines the detector still holds are not yet
// accounted for, so nothing is committed until the format is known.
func (st *run) flush(ctx context.Context) error {
	if st.proc == nil {
		return nil
	}
	st.proc.Expire(st.proc.Stats().NewestLog, st.rec)
	cp, err := st.checkpoint()
	if err != nil {
		return err
	}
	err = retry(ctx, st.Runner.log, "commit usage", func() error {
		err := st.rec.Flush(ctx, &cp)
		if err != nil {
			st.mu.Lock()
			st.stats.CommitErrors++
			st.mu.Unlock()
			// Nothing is read while the commit waits: keep the lag current.
			st.tailer.Refresh()
			st.snapshot()
		}
		return err
	})
	if err != nil {
		return err
	}
	st.cp, st.lines = cp, 0
	st.mu.Lock()
	st.stats.Commits++
	st.stats.LastCommit = st.Runner.now()
	st.stats.Seq = cp.Seq
	st.mu.Unlock()
	st.snapshot() // the flush may have kept dead letters
	return nil
}

func (st *run) checkpoint() (metering.Checkpoint, error) {
	state, err := encodeState(st.format, st.proc)
	if err != nil {
		return metering.Checkpoint{}, err
	}
	pos, err := st.pos.Marshal()
	if err != nil {
		return metering.Checkpoint{}, err
	}
	return metering.Checkpoint{Source: st.src.Name, Seq: st.cp.Seq + 1, Offset: st.offset, Position: pos, State: state}, nil
}

// flushEmpty commits the checkpoint alone (no lines read yet).
func (st *run) flushEmpty(ctx context.Context) error {
	state, err := encodeState(st.format, st.proc)
	if err != nil {
		return err
	}
	pos, err := st.pos.Marshal()
	if err != nil {
		return err
	}
	cp := metering.Checkpoint{Source: st.src.Name, Seq: st.cp.Seq + 1, Offset: st.offset, Position: pos, State: state}
	err = retry(ctx, st.Runner.log, "commit first checkpoint", func() error { return st.rec.Flush(ctx, &cp) })
	if err == nil {
		st.cp = cp
	}
	return err
}

// finalFlush tries once, briefly, to commit what was read before stopping.
func (st *run) finalFlush() {
	if st.lines == 0 || st.proc == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st.proc.Expire(st.proc.Stats().NewestLog, st.rec)
	cp, err := st.checkpoint()
	if err == nil {
		err = st.rec.Flush(ctx, &cp)
	}
	if err != nil {
		st.Runner.log.Warn("final commit failed; the lines will be read again on restart", "err", err)
	}
}

func (st *run) snapshot() {
	ts := st.tailer.Stats()
	var ps metering.ProcessorStats
	if st.proc != nil {
		ps = st.proc.Stats()
	}
	anomalies := make(map[string]int64, len(st.anomalies))
	for k, n := range st.anomalies {
		anomalies[k] = n
	}
	st.mu.Lock()
	st.stats.Tail, st.stats.Proc = ts, ps
	st.stats.Anomalies, st.stats.DeadLetters = anomalies, st.deadLetters
	st.mu.Unlock()
}

// retry calls f until it succeeds, ctx ends, or it fails with an error that
// retrying cannot fix (invalid input, a conflict with another writer). Data
// the database refuses does not get here as an error (the Recorder, or the
// ingest API, keeps it as dead letters) unless it cannot be salvaged (the
// checkpoint itself refused): then it is retried like any other failure,
// with a warning each time.
func retry(ctx context.Context, log *slog.Logger, what string, f func() error) error {
	var b backoff
	for {
		err := f()
		switch metering.KindOf(err) {
		case "":
			return nil
		case metering.Conflict:
			// The sequence fence: the source's checkpoint moved under us.
			return fmt.Errorf("%s: %w (is another collector running for this source? run one per log file)", what, err)
		case metering.Invalid, metering.NotFound:
			return fmt.Errorf("%s: %w", what, err)
		}
		if err := b.wait(ctx, log, what, err); err != nil {
			return err
		}
	}
}

// WaitAvailable calls f until it succeeds, ctx ends, or it fails with an
// error other than Unavailable; while the dependency is unavailable it
// retries with the collectors' backoff (100 ms doubling to 30 s), logging
// each failure. Commands use it to open the database a collector needs.
func WaitAvailable(ctx context.Context, log *slog.Logger, what string, f func() error) error {
	var b backoff
	for {
		err := f()
		if metering.KindOf(err) != metering.Unavailable {
			return err
		}
		if err := b.wait(ctx, log, what, err); err != nil {
			return err
		}
	}
}

// backoff spaces the attempts of a retry loop.
type backoff struct{ delay time.Duration }

// wait logs the failure err of what and waits for the next attempt, or
// returns ctx's error.
func (b *backoff) wait(ctx context.Context, log *slog.Logger, what string, err error) error {
	if b.delay == 0 {
		b.delay = 100 * time.Millisecond
	}
	log.Warn(what+" failed; retrying", "err", err, "in", b.delay)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(b.delay):
	}
	b.delay = min(2*b.delay, 30*time.Second)
	return nil
}
