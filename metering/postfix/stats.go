package postfix

import (
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// maxSamples is how many sample lines are kept per unknown reason.
const maxSamples = 5

// stats counts what the Processor has seen.
type stats struct {
	lines        int64
	kinds        [numKinds]int64
	verdicts     int64 // content-filter verdict lines
	filterOther  int64 // content-filter lines that are not verdicts
	otherProgram int64 // lines of other programs sharing the log
	unknownN     map[string]int64
	samples      map[string][]string
	evicted      int64
	newest       time.Time
}

func newStats() stats {
	return stats{unknownN: make(map[string]int64), samples: make(map[string][]string)}
}

// unknown counts an unparsed line under reason, keeping a few samples.
func (s *stats) unknown(reason string, line []byte) {
	s.unknownN[reason]++
	if len(s.samples[reason]) < maxSamples {
		s.samples[reason] = append(s.samples[reason], string(line))
	}
}

// Stats returns counters since construction. Records are keyed by Kind
// names ("delivery", "reject", …), "filter-verdict" and "filter-other" for
// content-filter lines, and "other-program" for lines of programs that are
// neither Postfix nor a content filter (Dovecot in a shared mail.log).
func (p *Processor) Stats() metering.ProcessorStats {
	s := &p.stats
	out := metering.ProcessorStats{
		Lines:     s.lines,
		Records:   make(map[string]int64),
		Unknown:   make(map[string]int64, len(s.unknownN)),
		Samples:   make(map[string][]string, len(s.samples)),
		Open:      len(p.msgs.m),
		Evicted:   s.evicted,
		NewestLog: s.newest,
	}
	for k, n := range s.kinds {
		if n > 0 {
			out.Records[Kind(k).String()] = n
		}
	}
	if s.verdicts > 0 {
		out.Records["filter-verdict"] = s.verdicts
	}
	if s.filterOther > 0 {
		out.Records["filter-other"] = s.filterOther
	}
	if s.otherProgram > 0 {
		out.Records["other-program"] = s.otherProgram
	}
	for k, n := range s.unknownN {
		out.Unknown[k] = n
	}
	for k, v := range s.samples {
		out.Samples[k] = append([]string(nil), v...)
	}
	return out
}
