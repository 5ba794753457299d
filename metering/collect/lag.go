package collect

import (
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// The lag of a live source is measured when it is asked for (a metrics
// scrape, /v1/collectors), against the log as it is then: bytes against
// the files' sizes (tail.Tailer.Stats), seconds against the time of the
// newest line written. A collector that is behind, busy committing or
// asleep waiting for a wake-up, shows it.

// lagSeconds is how far, in log time, the newest line read is behind the
// newest line written: -1 when no line was read yet; 0 when nothing is
// left to read; the time between now and the newest line read when the
// newest line written has no time the source's format can read.
func (r *Runner) lagSeconds(s SourceStats, newest []byte) float64 {
	read := s.Proc.NewestLog
	switch {
	case read.IsZero():
		return -1
	case s.Tail.Lag == 0:
		return 0
	}
	written := lineTime(s.Format, r.src.Proc, newest, r.now())
	if written.IsZero() {
		return max(r.now().Sub(read).Seconds(), 0)
	}
	return max(written.Sub(read).Seconds(), 0)
}

// lineTime returns the time of a line read as format reads it, zero when
// it has none (or the format is not known yet). Year-less stamps are taken
// as the latest such time not after now.
func lineTime(format string, o ProcessorOptions, line []byte, now time.Time) time.Time {
	if len(line) == 0 || (format != FormatPostfix && format != FormatExim) {
		return time.Time{}
	}
	o.YearRef, o.Skip = now, nil
	p, err := NewProcessor(format, o)
	if err != nil {
		return time.Time{}
	}
	p.ProcessLine(line, noSink{})
	return p.Stats().NewestLog
}

// noSink drops what it is given.
type noSink struct{}

func (noSink) Count(metering.Event)           {}
func (noSink) Latency(metering.LatencySample) {}
func (noSink) Storage(metering.StorageSample) {}
