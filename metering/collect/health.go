package collect

import (
	"context"
	"sort"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// CheckpointLister lists every stored checkpoint (log sources, their
// streams, pushed sources), by source name.
type CheckpointLister interface {
	Checkpoints(ctx context.Context) ([]metering.Checkpoint, error)
}

// Health reports how the metering sources are doing: those whose
// checkpoints the database holds, whoever commits them, and the ones this
// process reads, with their lag and the lines they did not understand.
type Health struct {
	store CheckpointLister
	live  func() []SourceStats
	now   func() time.Time
}

// NewHealth returns a Health over the stored checkpoints and the stats of
// the sources this process runs (live may be nil: none).
func NewHealth(store CheckpointLister, live func() []SourceStats, now func() time.Time) *Health {
	return &Health{store: store, live: live, now: now}
}

// SourceHealth is one source's state. The fields after Live are known only
// for a source this process reads.
type SourceHealth struct {
	Source        string
	Seq, Offset   int64
	CheckpointAt  time.Time     // zero: nothing committed yet
	CheckpointAge time.Duration // since CheckpointAt
	Live          bool
	Path, Format  string
	LagBytes      int64
	LagSeconds    float64 // the newest line read behind the newest written (SourceStats.LagSeconds); -1 before any line
	Lines         int64
	Unknown       map[string]int64 // lines not understood, by reason
	UnknownLines  int64
	Open          int
	Evicted       int64
	Commits       int64
	CommitErrors  int64
	Gaps          int64
}

// Sources returns every source's health, by name.
func (h *Health) Sources(ctx context.Context) ([]SourceHealth, error) {
	cps, err := h.store.Checkpoints(ctx)
	if err != nil {
		return nil, err
	}
	now := h.now()
	byName := map[string]*SourceHealth{}
	out := make([]*SourceHealth, 0, len(cps))
	get := func(name string) *SourceHealth {
		if s := byName[name]; s != nil {
			return s
		}
		s := &SourceHealth{Source: name, LagSeconds: -1, Unknown: map[string]int64{}}
		byName[name] = s
		out = append(out, s)
		return s
	}
	for _, cp := range cps {
		s := get(cp.Source)
		s.Seq, s.Offset, s.CheckpointAt = cp.Seq, cp.Offset, cp.UpdatedAt
	}
	if h.live != nil {
		for _, st := range h.live() {
			get(st.Source).addLive(st, now)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	res := make([]SourceHealth, len(out))
	for i, s := range out {
		if !s.CheckpointAt.IsZero() {
			s.CheckpointAge = now.Sub(s.CheckpointAt)
		}
		res[i] = *s
	}
	return res, nil
}

// addLive fills in what the running source knows.
func (s *SourceHealth) addLive(st SourceStats, now time.Time) {
	s.Live, s.Path, s.Format = true, st.Path, st.Format
	s.LagBytes, s.Lines = st.Tail.Lag, st.Tail.Lines
	s.LagSeconds = st.LagSeconds
	for reason, n := range st.Proc.Unknown {
		s.Unknown[reason] += n
		s.UnknownLines += n
	}
	s.Open, s.Evicted = st.Proc.Open, st.Proc.Evicted
	s.Commits, s.CommitErrors, s.Gaps = st.Commits, st.CommitErrors, st.Gaps
	if st.Seq > s.Seq {
		s.Seq = st.Seq
	}
	if st.LastCommit.After(s.CheckpointAt) {
		s.CheckpointAt = st.LastCommit
	}
}
