package postfix

import (
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/contentfilter"
)

// verdict counts content-filter blocks per listed recipient and links an
// amavis re-injection (Queue-ID → queued_as) like a filter hop does.
func (p *Processor) verdict(v *contentfilter.Verdict, host string, t time.Time, sink metering.Sink) {
	if len(v.QueueID) > 0 && len(v.QueuedAs) > 0 && isQueueID(v.QueuedAs) {
		next := p.msgs.open(host, v.QueuedAs)
		next.Last = t
		p.link(host, v.QueueID, next, t, sink)
	}
	if !v.Blocked {
		return
	}
	metric := metering.Metric("")
	switch {
	case v.Virus:
		metric = metering.VirusBlocked
	case v.Spam || v.Source == contentfilter.SourceRspamd:
		metric = metering.SpamBlocked
	default:
		return // banned attachments, bad headers: not a metric
	}
	if len(v.QueueID) > 0 && isQueueID(v.QueueID) {
		m := p.msgs.open(host, v.QueueID)
		m.Last, m.Blocked = t, true // its milter-reject line must not count again
	}
	v.EachRecipient(func(addr []byte) {
		if rcpt := p.names.mailbox(addr); p.local(rcpt) {
			metering.Count(sink, t, rcpt, metric, 1)
		}
	})
}
