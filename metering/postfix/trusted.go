package postfix

import (
	"strings"

	"github.com/mailmeter/mailmeter/metering"
)

// Trusted senders (Options.Trusted): a message without a SASL login that
// was submitted by a trusted local uid (pickup "uid=") or from a trusted
// client network is metered for its envelope sender, taken from the qmgr
// "from=" line. A content filter's re-injection is never a submission: its
// client= line names orig_queue_id=/orig_client= (XFORWARD), or it carries
// the Message-ID of another open message of the same host, or its hop line
// linked it before its qmgr line.

// pickedUp marks a pickup submission by a trusted uid.
func (p *Processor) pickedUp(r *Record, host string) *message {
	m := p.fresh(host, r.QueueID)
	m.Trusted = p.opts.Trusted.TrustsUID(r.UID)
	return m
}

// trustedClient reports whether an SMTP client ("name[ip]", "[ip]:port")
// is in a trusted network.
func (p *Processor) trustedClient(client []byte) bool {
	return len(p.opts.Trusted.Networks) > 0 && len(client) > 0 && p.opts.Trusted.TrustsClient(ParseRelay(client).Addr)
}

// messageID keeps a message's Message-ID hash while trusted senders are
// configured, and clears the trust of a message that copies another open
// one (a filter's re-injection without XFORWARD).
func (p *Processor) messageID(r *Record, host string) *message {
	m := p.msgs.get(host, r.QueueID)
	if m == nil || p.opts.Trusted.Empty() {
		return m
	}
	m.MsgID = metering.MessageIDHash(r.MessageID)
	if m.Trusted && m.MsgID != 0 && p.msgs.copyOf(host, m) {
		m.Trusted = false
	}
	return m
}

// trustedSender gives a queued message without a login its envelope
// sender, when it was submitted by a trusted uid or client.
func (p *Processor) trustedSender(m *message, from []byte) {
	if m.Login == "" && m.Trusted && !m.Reinjected && len(from) > 0 {
		m.Login = p.names.mailbox(from)
	}
}

// copyOf reports whether another open message of host has m's Message-ID.
func (t *table) copyOf(host string, m *message) bool {
	for k, o := range t.m {
		if o != m && o.MsgID == m.MsgID && len(k) > len(host) && k[len(host)] == 0 && strings.HasPrefix(k, host) {
			return true
		}
	}
	return false
}
