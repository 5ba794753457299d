package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/tail"
)

// StreamName names the log stream a file belongs to: its host and the log's
// name without rotation suffixes, "mx1:mail.log" for mail.log, mail.log.1,
// mail.log.2.gz and mail.log-20250101.xz alike. The open messages of a
// stream are carried across its files and from one reader (a backfill, a
// live collector) to the next.
func StreamName(host, path string) string {
	return host + ":" + logName(filepath.Base(path))
}

// logName strips a compression suffix, then a rotation suffix: ".N" or
// "-DATE" (digits, dashes and underscores).
func logName(base string) string {
	base = trimCompression(base)
	if i := strings.LastIndexByte(base, '.'); i > 0 && allDigits(base[i+1:], "") {
		return base[:i]
	}
	if i := strings.IndexByte(base, '-'); i > 0 && len(base)-i > 8 && allDigits(base[i+1:], "-_") {
		return base[:i]
	}
	return base
}

// trimCompression strips a compressed file's suffix.
func trimCompression(base string) string {
	for _, s := range []string{".gz", ".bz2", ".xz", ".zst"} {
		if t, ok := strings.CutSuffix(base, s); ok {
			return t
		}
	}
	return base
}

// allDigits reports whether s is non-empty and holds digits and the bytes
// of also only.
func allDigits(s, also string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && strings.IndexByte(also, c) < 0 {
			return false
		}
	}
	return true
}

// streamSource is the checkpoint source name of a stream.
func streamSource(stream string) string { return "stream:" + stream }

// streamMark is a stream's checkpoint as loaded: where its last reader
// stopped (file and offset), with the open messages there.
type streamMark struct {
	cp    metering.Checkpoint // Seq 0: the stream has none yet
	pos   tail.Position
	state savedState
}

// loadStream loads the checkpoint of a stream; a stream without one is at
// Seq 0.
func loadStream(ctx context.Context, c metering.Committer, stream string) (streamMark, error) {
	cp, err := c.Checkpoint(ctx, streamSource(stream))
	switch {
	case metering.KindOf(err) == metering.NotFound:
		return streamMark{cp: metering.Checkpoint{Source: streamSource(stream)}}, nil
	case err != nil:
		return streamMark{}, err
	}
	m := streamMark{cp: cp}
	if m.pos, err = tail.UnmarshalPosition(cp.Position); err != nil {
		return m, err
	}
	if m.state, err = decodeState(cp.State); err != nil {
		return m, err
	}
	return m, nil
}

// next returns the stream's checkpoint after a reader's: the same
// position and open messages, consumed bytes added.
func (m *streamMark) next(cp metering.Checkpoint, consumed int64) *metering.Checkpoint {
	return &metering.Checkpoint{Source: m.cp.Source, Seq: m.cp.Seq + 1, Offset: m.cp.Offset + consumed,
		Position: cp.Position, State: cp.State}
}

// advanced records that next's checkpoint was committed.
func (m *streamMark) advanced(next *metering.Checkpoint) { m.cp = *next }

// streamWriter is the committer a live collector commits through: each
// batch with a checkpoint also advances the stream's, with the same
// position and open messages, so a backfill of the stream's next file
// (or of the rest of the one being read) continues where the collector
// stopped.
type streamWriter struct {
	metering.Committer
	mark   streamMark
	offset int64 // the source's offset at the last commit
}

// Commit implements metering.Committer.
func (w *streamWriter) Commit(ctx context.Context, b metering.Batch) error {
	if b.Checkpoint == nil || b.Stream != nil {
		return w.Committer.Commit(ctx, b)
	}
	b.Stream = w.streamFor(b.Checkpoint)
	if err := w.Committer.Commit(ctx, b); err != nil {
		return err
	}
	w.advanced(b.Checkpoint, b.Stream)
	return nil
}

// streamFor returns the stream's checkpoint to commit with cp.
func (w *streamWriter) streamFor(cp *metering.Checkpoint) *metering.Checkpoint {
	stream := w.mark.next(*cp, max(cp.Offset-w.offset, 0))
	stream.State = w.keepNewest(stream.State)
	return stream
}

// advanced records that cp was committed with the stream's checkpoint.
func (w *streamWriter) advanced(cp, stream *metering.Checkpoint) {
	w.mark.advanced(stream)
	w.offset = cp.Offset
}

// Begin implements metering.StreamCommitter when the committer does, so
// a batch the database refuses for its data is salvaged (dead letters)
// and still advances the stream.
func (w *streamWriter) Begin(ctx context.Context) (metering.StreamTx, error) {
	sc, ok := w.Committer.(metering.StreamCommitter)
	if !ok {
		return nil, metering.Errorf(metering.Internal, "the committer cannot write in parts")
	}
	tx, err := sc.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &streamWriterTx{StreamTx: tx, w: w}, nil
}

// streamWriterTx advances the stream with the checkpoint it commits.
type streamWriterTx struct {
	metering.StreamTx
	w *streamWriter
}

// Commit implements metering.StreamTx.
func (t *streamWriterTx) Commit(ctx context.Context, cp, stream *metering.Checkpoint) error {
	if cp == nil || stream != nil {
		return t.StreamTx.Commit(ctx, cp, stream)
	}
	stream = t.w.streamFor(cp)
	if err := t.StreamTx.Commit(ctx, cp, stream); err != nil {
		return err
	}
	t.w.advanced(cp, stream)
	return nil
}

// keepNewest returns state with the stream's newest line time kept: a
// collector's processor knows only the lines it read since it started.
func (w *streamWriter) keepNewest(state []byte) []byte {
	s, err := decodeState(state)
	if err != nil || !s.Newest.Before(w.mark.state.Newest) {
		return state
	}
	s.Newest = w.mark.state.Newest
	b, err := json.Marshal(s)
	if err != nil {
		return state
	}
	return b
}

// movedOn reports whether the stream was advanced by another reader since
// a source last committed cp: it then continues from the stream's
// position, not its own.
func (m *streamMark) movedOn(cp metering.Checkpoint) bool {
	return m.cp.Seq > 0 && (cp.Seq == 0 || !bytes.Equal(m.cp.Position, cp.Position))
}

// handoff joins the source's stream: it commits through a streamWriter
// from now on and, when another reader advanced the stream since the
// source's last commit (or the source is new), starts from the stream's
// position and open messages rather than its own. A stream that cannot be
// loaded is left alone, with a warning: collecting goes on without it.
func (st *run) handoff(ctx context.Context) error {
	if st.src.Stream == "" {
		return nil
	}
	var m streamMark
	err := retry(ctx, st.Runner.log, "load stream checkpoint", func() error {
		var err error
		m, err = loadStream(ctx, st.committer, st.src.Stream)
		return err
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		st.Runner.log.Warn("log stream not joined: open messages are not handed over to or from a backfill", "stream", st.src.Stream, "err", err)
		return nil
	}
	if m.movedOn(st.cp) {
		st.Runner.log.Info("continuing the log stream where its last reader stopped", "stream", st.src.Stream, "position", m.pos.String())
		pos := m.pos
		pos.Path = "" // the stream's reader may have read the file under another name
		b, err := pos.Marshal()
		if err != nil {
			return err
		}
		st.cp.Position, st.cp.State = b, m.cp.State
	}
	w := &streamWriter{Committer: st.committer, mark: m, offset: st.cp.Offset}
	st.recordInto(w, st.onCommit)
	return nil
}
