package exim

import (
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/logline"
)

// Processor is the metering.LineProcessor of one Exim mainlog. It follows
// messages by id and emits events at the line that causes them, as
// docs/metering-rules.md defines. It is not safe for concurrent use.
type Processor struct {
	opts   Options
	parser *Parser
	rec    Record
	names  *names
	years  *logline.YearInferrer

	open    map[msgKey]*message
	links   map[msgKey]link
	orphans map[msgKey]orphan
	free    []*message

	stats stats
}

var _ metering.LineProcessor = (*Processor)(nil)

// NewProcessor returns a Processor. It returns an Invalid error when opts
// do not validate.
func NewProcessor(opts Options) (*Processor, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.WithDefaults()
	return &Processor{
		opts:    opts,
		parser:  NewParser(opts.Location),
		names:   newNames(opts.Delimiter),
		open:    make(map[msgKey]*message),
		links:   make(map[msgKey]link),
		orphans: make(map[msgKey]orphan),
		stats:   newStats(),
	}, nil
}

// ProcessLine consumes one line without its newline.
func (p *Processor) ProcessLine(line []byte, sink metering.Sink) {
	p.stats.lines++
	r := &p.rec
	if err := p.parser.Parse(line, r); err != nil {
		p.stats.unknown(err.Error(), line)
		return
	}
	p.stats.records[r.Kind]++
	t := p.resolve(r)
	if t.After(p.stats.newest) {
		p.stats.newest = t
	}
	switch r.Kind {
	case KindArrival:
		p.arrival(r, t, sink)
	case KindDelivery, KindAdditional, KindCutthrough:
		p.delivery(r, t, sink)
	case KindFailure, KindDeferral:
		p.outcome(r, t, sink)
	case KindCompleted:
		p.completed(r)
	case KindRejectRCPT:
		p.rejectRCPT(r, t, sink)
	case KindSpam:
		p.spam(r, t, sink)
	default:
		p.touch(r, t)
	}
}

// resolve returns the line's absolute time, inferring the year of
// syslog-wrapped stamps that lack one.
func (p *Processor) resolve(r *Record) time.Time {
	if r.HasYear {
		return r.Time
	}
	if p.years == nil {
		ref := p.opts.YearRef
		if ref.IsZero() {
			ref = p.opts.Now()
		}
		p.years = newYearInferrer(ref, p.opts.Location)
	}
	env := logline.Envelope{Time: r.Time, HasYear: r.HasYear, HasZone: r.HasZone}
	return p.years.Resolve(&env)
}

// get returns the open message of r.ID, creating it when create is set.
func (p *Processor) get(r *Record, t time.Time, create bool) *message {
	k, ok := keyOf(r.ID)
	if !ok {
		return nil
	}
	m := p.open[k]
	if m == nil {
		if !create {
			return nil
		}
		m = p.newMessage()
		p.open[k] = m
	}
	if t.After(m.lastSeen) {
		m.lastSeen = t
	}
	return m
}

func (p *Processor) newMessage() *message {
	if n := len(p.free); n > 0 {
		m := p.free[n-1]
		p.free = p.free[:n-1]
		m.reset()
		return m
	}
	return &message{size: -1, candidate: true}
}

func (p *Processor) release(k msgKey, m *message) {
	delete(p.open, k)
	p.keepOrphan(k, m)
	if len(p.free) < 1024 {
		p.free = append(p.free, m)
	}
}

func (p *Processor) touch(r *Record, t time.Time) {
	if r.ID != nil {
		p.get(r, t, false)
	}
}

func (p *Processor) completed(r *Record) {
	if k, ok := keyOf(r.ID); ok {
		if m := p.open[k]; m != nil {
			p.release(k, m)
		}
		delete(p.links, k)
	}
}

func newYearInferrer(ref time.Time, loc *time.Location) *logline.YearInferrer {
	return logline.NewYearInferrer(ref, loc)
}
