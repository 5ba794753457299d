package exim

import (
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// maxSamples is how many sample lines are kept per unknown reason.
const maxSamples = 5

// stats counts what a Processor has seen.
type stats struct {
	lines     int64
	records   [numKinds]int64
	unknownBy map[string]int64
	samples   map[string][]string
	newest    time.Time
	evicted   int64
}

func newStats() stats {
	return stats{unknownBy: map[string]int64{}, samples: map[string][]string{}}
}

func (s *stats) unknown(reason string, line []byte) {
	s.unknownBy[reason]++
	if len(s.samples[reason]) < maxSamples {
		s.samples[reason] = append(s.samples[reason], string(line))
	}
}

// Stats returns the counters since construction: lines, records by kind,
// unknown lines by reason with up to five samples each, open messages,
// evictions and the newest line's time.
func (p *Processor) Stats() metering.ProcessorStats {
	out := metering.ProcessorStats{
		Lines:     p.stats.lines,
		Records:   map[string]int64{},
		Unknown:   map[string]int64{},
		Samples:   map[string][]string{},
		Open:      len(p.open),
		Evicted:   p.stats.evicted,
		NewestLog: p.stats.newest,
	}
	for k, n := range p.stats.records {
		if n > 0 {
			out.Records[Kind(k).String()] = n
		}
	}
	for r, n := range p.stats.unknownBy {
		out.Unknown[r] = n
		out.Samples[r] = append([]string(nil), p.stats.samples[r]...)
	}
	return out
}
