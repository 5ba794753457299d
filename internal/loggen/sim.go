package loggen

import (
	"io"
	"math"
	"math/rand/v2"
	"time"
)

// renderer writes the lines of one log format and counts their truth.
// Each method writes the lines of one step of a message at m.at.
type renderer interface {
	noise(m *message)
	connect(m *message)
	receive(m *message) // RCPT rejects and acceptance; the end of reject sessions and milter blocks
	queue(m *message)
	filter(m *message)             // the amavis hop; the end of blocked messages
	attempt(m *message)            // one delivery pass, outcomes in rcpt.now
	notify(m *message, n *message) // m's bounce notification n is created
	expire(m *message)
	done(m *message)
	tick(t int64)
}

// sim runs the traffic: it decides what happens and when, and asks the
// renderer to write it.
type sim struct {
	cfg     Config
	rng     *rand.Rand // traffic decisions only, so both formats see the same traffic
	w       *world
	r       renderer
	out     *output
	truth   *Truth
	heap    []*message
	free    []*message
	seq     uint64
	now     int64
	end     int64 // µs; math.MaxInt64 without a Duration
	started int64
	nextArr int64
	tickAt  int64
	// dayStart is the start's second of its day in the log's zone.
	dayStart int64
}

func newSim(cfg Config, w *world, out *output, truth *Truth) *sim {
	s := &sim{
		cfg:   cfg,
		rng:   rand.New(rand.NewPCG(cfg.Seed, 0x6c6f6767656e)), // "loggen"
		w:     w,
		out:   out,
		truth: truth,
		end:   math.MaxInt64,
	}
	if cfg.Duration > 0 {
		s.end = cfg.Duration.Microseconds()
	}
	h, m, sec := cfg.Start.Clock()
	s.dayStart = int64(h*3600 + m*60 + sec)
	return s
}

// run simulates until a limit is reached, then flushes the output.
func (s *sim) run() error {
	for !s.out.full() {
		if s.cfg.Stop != nil && s.cfg.Stop() {
			break
		}
		if s.canArrive() && (len(s.heap) == 0 || s.nextArr <= s.heap[0].at) {
			t := max(s.nextArr, s.now)
			if t >= s.end {
				break
			}
			s.now = t
			s.arrive(t)
			s.nextArr = t + s.gap()
			continue
		}
		if len(s.heap) == 0 {
			break
		}
		m := s.pop()
		if m.at >= s.end {
			s.push(m)
			break
		}
		s.now = m.at
		s.advance(m)
	}
	s.truth.Open = len(s.heap)
	s.out.flush()
	return s.out.err
}

func (s *sim) canArrive() bool {
	if s.cfg.Messages > 0 && s.started >= int64(s.cfg.Messages) {
		return false
	}
	return len(s.heap) < s.cfg.MaxInFlight
}

// gap draws the time to the next session: exponential around the current
// rate, which follows the day (×1.6 at 14:00, ×0.4 at 02:00) unless
// Steady.
func (s *sim) gap() int64 {
	rate := s.cfg.Rate
	if !s.cfg.Steady {
		day := math.Mod(float64(s.dayStart)+float64(s.now)/1e6, 86400) / 86400
		rate *= 1 + 0.6*math.Sin(2*math.Pi*(day-8.0/24))
	}
	return int64(s.rng.ExpFloat64()/rate*1e6) + 1
}

func (s *sim) arrive(t int64) {
	s.started++
	s.truth.Sessions++
	if t >= s.tickAt {
		s.r.tick(t)
		s.tickAt = t + int64(10*time.Minute/time.Microsecond)
	}
	m := s.newMessage()
	s.plan(m)
	m.at = t
	if m.kind == kindNoise {
		s.r.noise(m)
		s.release(m)
		return
	}
	s.advance(m)
}

// advance runs the current step of m and schedules the next one.
func (s *sim) advance(m *message) {
	switch m.step {
	case stepConnect:
		s.r.connect(m)
		s.next(m, stepReceive, 0.05, 1.5)
	case stepReceive:
		s.r.receive(m)
		if m.kind == kindReject || m.verdictMilter() {
			s.release(m)
			return
		}
		m.arrival = m.at
		s.next(m, stepQueue, 0.01, 0.4)
	case stepQueue:
		s.r.queue(m)
		if m.filter {
			s.next(m, stepFilter, 0.3, 3)
		} else {
			s.next(m, stepAttempt, 0.05, 2)
		}
	case stepFilter:
		s.r.filter(m)
		if m.verdict == verdictSpamBlocked || m.verdict == verdictVirus {
			s.release(m)
			return
		}
		m.reinjected = true
		m.arrival = m.at // delays of the re-injected copy start here
		s.next(m, stepAttempt, 0.05, 1.5)
	case stepAttempt:
		s.deliver(m)
	case stepExpire:
		s.r.expire(m)
		for i := range m.rcpts {
			m.rcpts[i].done = true
		}
		s.notify(m)
		s.r.done(m)
		s.release(m)
	}
}

// verdictMilter reports whether the message is blocked by a milter at the
// end of DATA (spam or virus without amavis).
func (m *message) verdictMilter() bool {
	return !m.filter && (m.verdict == verdictSpamBlocked || m.verdict == verdictVirus)
}

// deliver runs one delivery pass and decides what follows.
func (s *sim) deliver(m *message) {
	bounced := false
	for i := range m.rcpts {
		r := &m.rcpts[i]
		switch {
		case r.done:
			r.now = outNone
		case m.attempt < r.defers:
			r.now = outDeferred
		case r.bounce:
			r.now, bounced = outBounced, true
		default:
			r.now = outSent
		}
	}
	s.r.attempt(m)
	for i := range m.rcpts {
		if o := m.rcpts[i].now; o == outSent || o == outBounced {
			m.rcpts[i].done = true
		}
	}
	if bounced {
		s.notify(m)
	}
	m.attempt++
	if m.pending() == 0 {
		s.r.done(m)
		s.release(m)
		return
	}
	backoff := 300 * math.Pow(2, float64(m.attempt-1))
	backoff = min(backoff, 1800) * (0.8 + 0.4*s.rng.Float64())
	if m.expireAt > 0 && m.attempt >= m.expireAt {
		s.next(m, stepExpire, backoff, backoff)
	} else {
		s.next(m, stepAttempt, backoff, backoff)
	}
}

// notify sends a bounce notification for m to its sender, if it has one.
func (s *sim) notify(m *message) {
	if m.from == "" || m.kind == kindNDR {
		return
	}
	n := s.newMessage()
	n.kind = kindNDR
	n.step = stepQueue
	n.size = 2600 + int64(s.rng.IntN(1800)) + min(m.curSize(), 4000)
	n.rcpts = append(n.rcpts, rcpt{addr: m.from})
	if !s.w.isLocal(m.from) {
		n.rcpts[0].remote = s.w.remoteOf(m.from)
	}
	n.at = m.at
	n.arrival = m.at
	s.r.notify(m, n)
	s.next(n, stepQueue, 0.01, 0.3)
}

// next schedules m's step st between lo and hi seconds from now.
func (s *sim) next(m *message, st step, lo, hi float64) {
	m.step = st
	m.at = s.now + int64((lo+(hi-lo)*s.rng.Float64())*1e6) + 1
	s.push(m)
}

func (s *sim) newMessage() *message {
	s.seq++
	if n := len(s.free); n > 0 {
		m := s.free[n-1]
		s.free = s.free[:n-1]
		rcpts, rejected := m.rcpts[:0], m.rejected[:0]
		*m = message{rcpts: rcpts, rejected: rejected}
		return m
	}
	return &message{}
}

func (s *sim) release(m *message) {
	if len(s.free) < 1024 {
		s.free = append(s.free, m)
	}
}

// run entry shared by Postfix and Exim.
func generate(w io.Writer, cfg Config, st stamper, mk func(*base) renderer) (Truth, error) {
	truth := newTruth()
	if err := cfg.Validate(); err != nil {
		return truth, err
	}
	cfg.Start = cfg.Start.Truncate(time.Second)
	st.start = cfg.Start
	out := newOutput(w, cfg.Lines, st)
	out.every, out.pace = cfg.FlushLines, cfg.Pace
	cosmetic := rand.New(rand.NewPCG(cfg.Seed, 0x636f736d6574)) // "cosmet"
	wd := newWorld(cfg, rand.New(rand.NewPCG(cfg.Seed, 0x776f726c64)))
	s := newSim(cfg, wd, out, &truth)
	b := newBase(cfg, wd, out, &truth, cosmetic)
	s.r = mk(b)
	err := s.run()
	truth.Lines, truth.Bytes = out.lines, out.bytes
	return truth, err
}
