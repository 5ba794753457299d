package postfix

import (
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/logline"
)

// apply updates the open messages with one record and emits what it causes.
func (p *Processor) apply(r *Record, e *logline.Envelope, t time.Time, sink metering.Sink) {
	if r.Kind == KindReject {
		if r.Action == ActionProxyAccept {
			p.proxyAccept(r, e.Host, t, sink)
		}
		p.reject(r, e.Host, t, sink)
		return
	}
	if r.QueueID == nil || string(r.QueueID) == "NOQUEUE" {
		return
	}
	switch r.Kind {
	case KindClient:
		p.client(r, e.Host, t, sink)
	case KindPickup:
		p.pickedUp(r, e.Host).Last = t
	case KindMessageID:
		if m := p.messageID(r, e.Host); m != nil {
			m.Last = t
		}
	case KindQueued:
		p.queued(r, e.Host, t, sink)
	case KindExpired:
		p.expired(r, e.Host, t, sink)
	case KindRemoved:
		p.msgs.close(e.Host, r.QueueID)
	case KindDelivery:
		p.delivery(r, e, t, sink)
	default:
		if m := p.msgs.get(e.Host, r.QueueID); m != nil {
			m.Last = t
		}
	}
}

// fresh opens the message for a first line (client=, pickup). An open
// message that already passed qmgr means the removed line was lost and
// the id is being reused: it starts over.
func (p *Processor) fresh(host string, qid []byte) *message {
	m := p.msgs.open(host, qid)
	if m.Queued {
		*m = message{}
	}
	return m
}

func (p *Processor) client(r *Record, host string, t time.Time, sink metering.Sink) {
	m := p.fresh(host, r.QueueID)
	m.Last = t
	if len(r.SASLUsername) > 0 {
		m.Login = p.names.login(r.SASLUsername)
	}
	m.Trusted = len(r.OrigQueueID) == 0 && len(r.OrigClient) == 0 && p.trustedClient(r.Client)
	if len(r.OrigQueueID) > 0 {
		p.link(host, r.OrigQueueID, m, t, sink)
	}
}

// link marks m as the re-injection of the message orig and inherits its
// authenticated sender. Outcomes m logged before the link (the filter's
// hop line can come after the re-injected copy's first deliveries) are
// counted now, at the linking line.
func (p *Processor) link(host string, orig []byte, m *message, t time.Time, sink metering.Sink) {
	m.Reinjected = true
	o := p.msgs.get(host, orig)
	if o == nil || o == m || o.Login == "" || m.Login != "" {
		return
	}
	m.Login = o.Login
	p.catchUp(m, t, sink)
}

// catchUp counts for m's newly known sender the outcomes logged before it
// was known.
func (p *Processor) catchUp(m *message, t time.Time, sink metering.Sink) {
	metering.Count(sink, t, m.Login, metering.OutBytes, m.EarlySent*m.Size)
	metering.Count(sink, t, m.Login, metering.Bounced, m.EarlyBounced)
	metering.Count(sink, t, m.Login, metering.Deferred, m.EarlyDeferred)
	m.EarlySent, m.EarlyBounced, m.EarlyDeferred = 0, 0, 0
}

// proxyAccept gives the message a before-queue filter queued ("proxy-accept:
// … queued as ID") the session's authenticated sender, when the line names
// it; a submission already past qmgr is counted now.
func (p *Processor) proxyAccept(r *Record, host string, t time.Time, sink metering.Sink) {
	if len(r.QueuedAs) == 0 || len(r.SASLUsername) == 0 {
		return
	}
	m := p.msgs.open(host, r.QueuedAs)
	m.Last = t
	if m.Login != "" || m.Reinjected {
		return
	}
	m.Login = p.names.login(r.SASLUsername)
	if m.Queued {
		metering.Count(sink, t, m.Login, metering.OutMessages, 1)
		metering.Count(sink, t, m.Login, metering.OutRecipients, m.Nrcpt)
		p.catchUp(m, t, sink)
	}
}

// queued handles the qmgr from= line: the first one fixes size and nrcpt
// and counts an authenticated submission; re-logs are ignored. A size or
// nrcpt beyond Options.Bounds is an anomaly: it counts as 0.
func (p *Processor) queued(r *Record, host string, t time.Time, sink metering.Sink) {
	m := p.msgs.open(host, r.QueueID)
	m.Last = t
	if m.Queued {
		return
	}
	m.Queued = true
	m.Size = p.opts.Bounds.Size(sink, "size", r.Size)
	m.Nrcpt = p.opts.Bounds.Recipients(sink, "nrcpt", r.Nrcpt)
	m.FromDomain = p.names.domainOf(r.From)
	p.trustedSender(m, r.From)
	if m.Login != "" && !m.Reinjected {
		metering.Count(sink, t, m.Login, metering.OutMessages, 1)
		metering.Count(sink, t, m.Login, metering.OutRecipients, m.Nrcpt)
	}
}

// expired counts the recipients still undelivered as bounced.
func (p *Processor) expired(r *Record, host string, t time.Time, sink metering.Sink) {
	m := p.msgs.open(host, r.QueueID)
	m.Last = t
	if left := m.Nrcpt - m.Done; left > 0 && m.Login != "" {
		metering.Count(sink, t, m.Login, metering.Bounced, left)
	}
	if m.Done < m.Nrcpt {
		m.Done = m.Nrcpt
	}
}

// reject counts SMTP-time rejects and content blocks by milters.
func (p *Processor) reject(r *Record, host string, t time.Time, sink metering.Sink) {
	blocked := false
	if r.QueueID != nil && string(r.QueueID) != "NOQUEUE" {
		if m := p.msgs.get(host, r.QueueID); m != nil {
			m.Last, blocked = t, m.Blocked
		}
		if killsMessage(r) {
			p.msgs.close(host, r.QueueID) // no qmgr "removed" line follows
		}
	}
	counted := r.Action == ActionMilterReject || r.Action == ActionReject && string(r.Stage) == "RCPT"
	if !counted || len(r.To) == 0 || blocked && r.Action == ActionMilterReject {
		return
	}
	rcpt := p.names.mailbox(r.To)
	if r.Action == ActionMilterReject {
		switch {
		case containsFold(r.Text, "virus") || containsFold(r.Text, "infected"):
			if p.local(rcpt) {
				metering.Count(sink, t, rcpt, metering.VirusBlocked, 1)
			}
			return
		case containsFold(r.Text, "spam"):
			if p.local(rcpt) {
				metering.Count(sink, t, rcpt, metering.SpamBlocked, 1)
			}
			return
		}
	}
	in, out := metering.RejectMetrics(r.Temporary)
	if len(r.SASLUsername) > 0 {
		metering.Count(sink, t, p.names.login(r.SASLUsername), out, 1)
		return
	}
	if len(r.From) > 0 && p.trustedClient(r.Client) {
		metering.Count(sink, t, p.names.mailbox(r.From), out, 1)
		return
	}
	if p.local(rcpt) {
		metering.Count(sink, t, rcpt, in, 1)
	}
}

// containsFold reports whether b contains the lower-case ASCII word w,
// ignoring case.
func containsFold(b []byte, w string) bool {
	for i := 0; i+len(w) <= len(b); i++ {
		j := 0
		for ; j < len(w); j++ {
			if b[i+j]|0x20 != w[j] {
				break
			}
		}
		if j == len(w) {
			return true
		}
	}
	return false
}

// killsMessage reports whether a reject-style line discards the whole
// queued message (cleanup header/body checks, milters after DATA), which
// Postfix does without a "removed" line.
func killsMessage(r *Record) bool {
	if r.Action != ActionReject && r.Action != ActionMilterReject {
		return false
	}
	switch string(r.Stage) {
	case "END-OF-MESSAGE", "DATA", "BDAT", "header", "body", "content":
		return true
	}
	return false
}
