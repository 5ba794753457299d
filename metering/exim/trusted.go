package exim

import "github.com/mailmeter/mailmeter/metering"

// Trusted senders (Options.Trusted): an arrival without A= that was
// submitted locally (no H=) by a trusted user or uid (U=), or over SMTP
// from a trusted network (H=[ip]), is metered for its envelope sender. U=
// of an SMTP arrival is an ident answer, under the client's control, and
// never trusted. A filter's re-injected copy is never a submission: it is
// linked before its "<=", or it carries the Message-ID (id=) of another
// open message.

// trustedArrival reports whether r, an arrival without A=, comes from a
// trusted submitter and is not a copy of another open message m is not.
func (p *Processor) trustedArrival(r *Record, m *message) bool {
	tr := &p.opts.Trusted
	if tr.Empty() || r.HasAuth || len(r.Address) == 0 {
		return false
	}
	if len(r.Host) == 0 {
		return len(r.User) > 0 && tr.TrustsUser(r.User)
	}
	return len(r.HostIP) > 0 && tr.TrustsClient(r.HostIP) && !p.copyOf(m)
}

// copyOf reports whether another open message has m's Message-ID.
func (p *Processor) copyOf(m *message) bool {
	if m.msgID == 0 {
		return false
	}
	for _, o := range p.open {
		if o != m && o.msgID == m.msgID {
			return true
		}
	}
	return false
}

// trustedReject reports whether a RCPT reject without A= comes from a
// trusted client, and so counts for its sender (F=).
func (p *Processor) trustedReject(r *Record) bool {
	return !r.HasAuth && len(r.Sender) > 0 && len(r.HostIP) > 0 && p.opts.Trusted.TrustsClient(r.HostIP)
}

// noteMessageID keeps an arrival's Message-ID hash while trusted senders
// are configured.
func (p *Processor) noteMessageID(r *Record, m *message) {
	if !p.opts.Trusted.Empty() {
		m.msgID = metering.MessageIDHash(r.MessageID)
	}
}
