package exim

import (
	"bytes"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// rejectRCPT handles "[temporarily ]rejected RCPT <addr>": rejected_out
// (tempfailed_out) for the login of an authenticated session, else
// rejected_in (tempfailed_in) for the recipient.
func (p *Processor) rejectRCPT(r *Record, t time.Time, sink metering.Sink) {
	p.touch(r, t)
	in, out := metering.RejectMetrics(r.Temporary)
	if r.HasAuth {
		if len(r.AuthID) > 0 {
			metering.Count(sink, t, p.names.mailbox(r.AuthID), out, 1)
		}
		return
	}
	if p.trustedReject(r) {
		metering.Count(sink, t, p.names.mailbox(r.Sender), out, 1)
		return
	}
	metering.Count(sink, t, p.names.mailbox(r.Address), in, 1)
}

// spam handles sa-exim actions: a message silently tossed or permanently
// rejected for spam counts spam_blocked for each recipient listed.
func (p *Processor) spam(r *Record, t time.Time, sink metering.Sink) {
	p.touch(r, t)
	a := r.Reason
	const rejected = "permanently rejected"
	blocked := bytes.HasPrefix(a, []byte("silently tossed")) ||
		len(a) >= len(rejected) && bytes.EqualFold(a[:len(rejected)], []byte(rejected))
	if !blocked {
		return
	}
	r.EachRecipient(func(addr []byte) {
		metering.Count(sink, t, p.names.mailbox(addr), metering.SpamBlocked, 1)
	})
}
