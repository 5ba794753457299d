package exim

import (
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// early counts what a message did before it had a sender login. When a
// filter's hop line links it to an authenticated original afterwards (the
// hop line can follow the re-injected copy's first deliveries), these are
// counted for the inherited login at the linking line.
type early struct {
	Bytes    int64 `json:"bytes,omitempty"`    // out_bytes of remote deliveries
	Bounced  int64 `json:"bounced,omitempty"`  // "**" lines
	Deferred int64 `json:"deferred,omitempty"` // "==" lines
}

func (e *early) note(k Kind, candidate bool) {
	switch {
	case !candidate:
	case k == KindFailure:
		e.Bounced++
	case k == KindDeferral:
		e.Deferred++
	}
}

func (e early) empty() bool { return e == early{} }

// emit counts e for login at time t.
func (e early) emit(sink metering.Sink, t time.Time, login string) {
	metering.Count(sink, t, login, metering.OutBytes, e.Bytes)
	metering.Count(sink, t, login, metering.Bounced, e.Bounced)
	metering.Count(sink, t, login, metering.Deferred, e.Deferred)
}

// orphan is a completed candidate copy with early outcomes, kept until its
// hop line (or MaxAge) comes.
type orphan struct {
	early    early
	lastSeen time.Time
}

// keepOrphan remembers the early outcomes of a completed candidate.
func (p *Processor) keepOrphan(k msgKey, m *message) {
	if m.candidate && !m.attributed() && !m.reinjected && !m.early.empty() {
		p.orphans[k] = orphan{early: m.early, lastSeen: m.lastSeen}
	}
}

// link passes m's sender on to the message a filter re-injected it as,
// counting what that copy did before this line.
func (p *Processor) link(m *message, newID []byte, t time.Time, sink metering.Sink) {
	k, ok := keyOf(newID)
	if !ok {
		return
	}
	if n := p.open[k]; n != nil {
		if n.reinjected {
			return
		}
		n.reinjected = true
		if n.login == "" && m.login != "" {
			n.login, n.authed = m.login, true
			n.early.emit(sink, t, n.login)
		}
		n.early, n.candidate = early{}, false
		return
	}
	if o, done := p.orphans[k]; done {
		delete(p.orphans, k)
		o.early.emit(sink, t, m.login)
		return
	}
	p.links[k] = link{login: m.login, authed: m.authed, senderDom: m.senderDom, lastSeen: t}
}
