package collect

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// BackfillOptions configure a backfill.
type BackfillOptions struct {
	Host string // mail host the files come from; part of each file's source name
	// HostFromDir takes each file's host from the name of the directory it
	// is in (an archive of several hosts' logs: logs/mx1/mail.log.1,
	// logs/mx2/mail.log.1), instead of Host: each host's files are a stream
	// of their own, read in parallel with the others.
	HostFromDir bool
	Format      string // auto, postfix or exim
	Proc        ProcessorOptions
	Progress    func(path string, done, total int64) // may be nil
	// Stream, if set, is the log name every file belongs to ("mail.log"),
	// for files not named as logrotate names them; the stream is
	// Host:Stream (see StreamName).
	Stream string
	// Force meters a file the checks refuse: one whose lines are mostly
	// not understood (the format is probably wrong), and one older than
	// its stream's position, which is then metered on its own.
	Force bool
	// StreamLines, if positive and the committer is a
	// metering.StreamCommitter, writes usage while the file is still being
	// read, in the transaction that commits the file's checkpoint: the
	// database works in parallel with parsing. Finished hours go to the
	// database whenever it is idle, and at the latest every StreamLines
	// lines. On SQLite the file's transaction holds the write lock while
	// the file is read: other writers wait for it (busy timeout).
	// Streaming is for one stream at a time: when streams are read in
	// parallel, each file is committed at its end (see Workers).
	StreamLines int
	// Workers bounds the streams read at once; 0 means GOMAXPROCS. The
	// files of one stream are always read one after the other, oldest
	// first.
	Workers int
}

// DefaultStreamLines is the StreamLines `mailmeter backfill` uses.
const DefaultStreamLines = 250_000

// streamCheck is how often, in lines, a streaming backfill looks whether
// the database writer is idle.
const streamCheck = 8192

// BackfillResult says what a backfill did with one file.
type BackfillResult struct {
	Path    string
	Source  string // "file:HOST:SUM": the same content backfilled again is recognised
	Stream  string // the log stream, "HOST:mail.log"
	Lines   int64  // lines read
	Metered int64  // lines understood: read minus not understood
	// Unknown counts the lines not understood, by the parser's reason.
	Unknown map[string]int64
	// First and Last are the times of the first and the newest line read
	// (zero when no line had a time).
	First, Last time.Time
	Already     bool // the file had been metered to its end before: nothing counted
	Alone       bool // older than its stream's position: metered on its own (Force)
	WrongFormat bool // most lines were not understood
	// Err says why the file was not metered; nil if it was.
	Err error
}

// Backfill meters finished log files (plain or compressed: gzip, bzip2, xz,
// zstd). Files are grouped by log stream (StreamName) and each stream's
// files are read oldest first, the open messages carried from file to file
// and from run to run in the stream's checkpoint, so a message whose lines
// straddle a rotation is metered as if the log were one file. Each file's
// usage is committed with its own checkpoint, keyed by the SHA-256 of its
// content, and the stream's: the same content backfilled again counts
// nothing; the rest of a file a collector or an earlier backfill read part
// of is read from where it stopped; an interrupted backfill commits nothing
// for the file it was reading.
//
// Streams are read in parallel, up to Workers at once (hosts × rotated
// days use every core); each stream's files stay in order. Results come in
// the order of the streams' first files, each stream's oldest first.
// Progress and onCommit are called from one goroutine at a time.
//
// A file that cannot be metered (unreadable, damaged, its format wrong,
// older than its stream's position) is reported in its result's Err and the
// others are still read. Backfill returns an error only when ctx ends.
func Backfill(ctx context.Context, files []string, o BackfillOptions, c metering.Committer, onCommit func(metering.Batch), log *slog.Logger) ([]BackfillResult, error) {
	if o.Format != "" && o.Format != FormatAuto {
		if _, err := NewProcessor(o.Format, o.Proc); err != nil {
			return nil, err
		}
	}
	streams := streamsOf(files, o)
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(streams)))
	if workers > 1 {
		// A file's transaction would hold its rows' locks (SQLite: the
		// database's) while it is read, and parallel streams share rows.
		o.StreamLines = 0
	}
	b := &backfill{opts: o, c: c, log: log}
	b.serialize(onCommit)
	byStream := make([][]BackfillResult, len(streams))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				byStream[i] = b.stream(ctx, streams[i])
			}
		})
	}
	for i := range streams {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	var out []BackfillResult
	for _, rs := range byStream {
		out = append(out, rs...)
	}
	return out, ctx.Err()
}

// stream backfills the files of one stream in order, until ctx ends.
func (b *backfill) stream(ctx context.Context, s streamFiles) []BackfillResult {
	var out []BackfillResult
	for _, path := range s.files {
		out = append(out, b.file(ctx, s.name, path))
		if ctx.Err() != nil {
			break
		}
	}
	return out
}

// backfill holds what every file of one Backfill shares.
type backfill struct {
	opts     BackfillOptions
	c        metering.Committer
	onCommit func(metering.Batch)
	log      *slog.Logger
	mu       sync.Mutex // serializes the callbacks
}

// serialize makes the callbacks of the options and onCommit safe to call
// from the streams' goroutines: one call at a time.
func (b *backfill) serialize(onCommit func(metering.Batch)) {
	if p := b.opts.Progress; p != nil {
		b.opts.Progress = func(path string, done, total int64) {
			b.mu.Lock()
			defer b.mu.Unlock()
			p(path, done, total)
		}
	}
	if onCommit != nil {
		b.onCommit = func(batch metering.Batch) {
			b.mu.Lock()
			defer b.mu.Unlock()
			onCommit(batch)
		}
	}
}

// hostOf returns the host the file at path comes from.
func (o BackfillOptions) hostOf(path string) string {
	if o.HostFromDir {
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		return filepath.Base(filepath.Dir(path))
	}
	return o.Host
}

// streamFiles are the files of one stream, oldest first.
type streamFiles struct {
	name  string
	files []string
}

// streamsOf groups files by stream, streams in the order their first file
// was given, each stream's files oldest first.
func streamsOf(files []string, o BackfillOptions) []streamFiles {
	var out []streamFiles
	index := map[string]int{}
	for _, f := range files {
		host := o.hostOf(f)
		name := StreamName(host, f)
		if o.Stream != "" {
			name = host + ":" + o.Stream
		}
		i, ok := index[name]
		if !ok {
			i = len(out)
			index[name] = i
			out = append(out, streamFiles{name: name})
		}
		out[i].files = append(out[i].files, f)
	}
	for i := range out {
		out[i].files = byAge(out[i].files)
	}
	return out
}

// byAge orders the files of one stream oldest first: rotated files by their
// suffix as logrotate gives it (mail.log.3.gz, mail.log.2, mail.log.1, then
// mail.log; mail.log-20250101 before mail.log-20250102), others by
// modification time. A file that cannot be read keeps its place, to be
// reported when it is read.
func byAge(files []string) []string {
	type f struct {
		path  string
		rank  rotationRank
		mtime time.Time
	}
	fs := make([]f, len(files))
	for i, p := range files {
		fs[i] = f{path: p, rank: rankOf(filepath.Base(p))}
		if fi, err := os.Stat(p); err == nil {
			fs[i].mtime = fi.ModTime()
		}
	}
	sort.SliceStable(fs, func(i, j int) bool {
		if older, ok := fs[i].rank.older(fs[j].rank); ok {
			return older
		}
		return fs[i].mtime.Before(fs[j].mtime)
	})
	out := make([]string, len(fs))
	for i, x := range fs {
		out[i] = x.path
	}
	return out
}

// rotationRank is a file's place in its rotation, told by its name.
type rotationRank struct {
	kind   int // 0: unknown, 1: numbered (.N), 2: dated (-DATE), 3: the live name
	number int
	date   string
}

func rankOf(base string) rotationRank {
	name := logName(base)
	rest := strings.TrimPrefix(trimCompression(base), name)
	switch {
	case rest == "":
		return rotationRank{kind: 3}
	case rest[0] == '.':
		n := 0
		fmt.Sscanf(rest[1:], "%d", &n)
		return rotationRank{kind: 1, number: n}
	case rest[0] == '-':
		return rotationRank{kind: 2, date: rest[1:]}
	}
	return rotationRank{}
}

// older reports whether r is older than o, when their names tell.
func (r rotationRank) older(o rotationRank) (bool, bool) {
	switch {
	case r.kind == 0 || o.kind == 0:
		return false, false
	case r.kind == 3 || o.kind == 3:
		return o.kind == 3 && r.kind != 3, r.kind != o.kind
	case r.kind == 1 && o.kind == 1 && r.number != o.number:
		return r.number > o.number, true
	case r.kind == 2 && o.kind == 2 && r.date != o.date:
		return r.date < o.date, true
	}
	return false, false
}
