package exim

import (
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// delivery handles "=>", "->" and ">>".
func (p *Processor) delivery(r *Record, t time.Time, sink metering.Sink) {
	m := p.get(r, t, true)
	if m == nil {
		return
	}
	d := pendingDelivery{Class: p.classify(r), Rcpt: rcptHash(envelopeRecipient(r)),
		Queue: r.QueueTime, Size: p.opts.Bounds.Size(sink, "S", r.Size)}
	if d.Class == classLocal {
		d.Mailbox = p.finalMailbox(r)
	}
	if r.Kind == KindCutthrough && !m.arrived {
		d.QueuedAs = string(r.QueuedAs)
		m.pending = append(m.pending, d)
		return
	}
	p.deliver(m, &d, r.QueuedAs, t, sink)
}

// deliver counts one delivery of m at time t; newID is the id a filter
// hop re-injected the message as.
func (p *Processor) deliver(m *message, d *pendingDelivery, newID []byte, t time.Time, sink metering.Sink) {
	if d.Class == classDiscard {
		return
	}
	p.countRecipient(m, d.Rcpt, t, sink)
	size := m.size
	if size < 0 {
		size = d.Size
	}
	switch d.Class {
	case classLocal:
		metering.Count(sink, t, d.Mailbox, metering.InMessages, 1)
		if size > 0 {
			metering.Count(sink, t, d.Mailbox, metering.InBytes, size)
		}
		p.latency(m, d, t, metering.Inbound, metering.DomainOf(d.Mailbox), sink)
	case classRemote:
		if m.attributed() && size > 0 {
			metering.Count(sink, t, m.login, metering.OutBytes, size)
		} else if m.candidate && size > 0 {
			m.early.Bytes += size
		}
		p.latency(m, d, t, metering.Outbound, m.senderDom, sink)
	case classHop:
		p.link(m, newID, t, sink)
	}
}

// latency emits one sample: QT= when logged, else the time since "<=".
func (p *Processor) latency(m *message, d *pendingDelivery, t time.Time, dir metering.Direction,
	domain string, sink metering.Sink) {
	delay := d.Queue
	if delay < 0 {
		if !m.arrived {
			return
		}
		delay = max(t.Sub(m.arrival), 0)
	}
	sink.Latency(metering.LatencySample{Time: t, Direction: dir, Domain: domain, Delay: delay})
}

// outcome handles "**" (bounced) and "==" (deferred).
func (p *Processor) outcome(r *Record, t time.Time, sink metering.Sink) {
	m := p.get(r, t, true)
	if m == nil {
		return
	}
	p.countRecipient(m, rcptHash(envelopeRecipient(r)), t, sink)
	if !m.attributed() {
		m.early.note(r.Kind, m.candidate)
		return
	}
	if r.Kind == KindFailure {
		metering.Count(sink, t, m.login, metering.Bounced, 1)
	} else {
		metering.Count(sink, t, m.login, metering.Deferred, 1)
	}
}

// countRecipient gives out_recipients for a recipient's first outcome line
// when "for …" did not list them.
func (p *Processor) countRecipient(m *message, rcpt uint64, t time.Time, sink metering.Sink) {
	if !m.attributed() || m.reinjected || m.rcptsDone || m.counted(rcpt) {
		return
	}
	metering.Count(sink, t, m.login, metering.OutRecipients, 1)
}
