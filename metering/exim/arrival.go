package exim

import (
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// arrival handles "<=": the message's size, sender and authenticated
// login; out_messages and, with "for …", out_recipients. A size or
// recipient count beyond Options.Bounds is an anomaly: it counts as 0.
func (p *Processor) arrival(r *Record, t time.Time, sink metering.Sink) {
	m := p.get(r, t, true)
	if m == nil || m.arrived {
		return // a repeated "<=" for the same id counts once
	}
	m.arrived, m.arrival, m.size = true, t, p.opts.Bounds.Size(sink, "S", r.Size)
	m.senderDom = p.names.domain(r.Address)
	// Filters re-inject over SMTP from loopback; nothing else can be linked
	// to a hop later, so nothing else needs its early outcomes kept.
	m.candidate = isLoopback(r.HostIP, r.HostName)
	if !m.candidate {
		m.early = early{}
	}
	if r.HasAuth {
		m.authed = true
		if len(r.AuthID) > 0 && m.login == "" {
			m.login = p.names.mailbox(r.AuthID)
		}
	}
	if k, ok := keyOf(r.ID); ok {
		if l, linked := p.links[k]; linked {
			delete(p.links, k)
			p.inherit(m, l)
		}
	}
	p.noteMessageID(r, m)
	if m.login == "" && !m.reinjected && p.trustedArrival(r, m) {
		m.login, m.candidate, m.early = p.names.mailbox(r.Address), false, early{}
	}
	if m.attributed() && !m.reinjected {
		metering.Count(sink, t, m.login, metering.OutMessages, 1)
		if n := r.RecipientCount(); n > 0 {
			metering.Count(sink, t, m.login, metering.OutRecipients, p.opts.Bounds.Recipients(sink, "for", int64(n)))
			m.rcptsDone = true
		}
	}
	for i := range m.pending {
		d := &m.pending[i]
		p.deliver(m, d, []byte(d.QueuedAs), t, sink)
	}
	m.pending = m.pending[:0]
}

// inherit marks m as re-injected from a filter hop of the message l
// describes, taking over its authenticated sender.
func (p *Processor) inherit(m *message, l link) {
	m.reinjected, m.candidate, m.early = true, false, early{}
	if l.login != "" {
		m.login, m.authed = l.login, true
	}
	if m.senderDom == "" {
		m.senderDom = l.senderDom
	}
}
