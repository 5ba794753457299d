package postfix

import (
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/logline"
)

// route is what a delivery line is, for metering.
type route uint8

const (
	routeNone   route = iota // error, discard, retry, relay=none, local forwarding
	routeFilter              // content-filter hop
	routeLocal               // final delivery into a mailbox here
	routeRemote              // delivery to another server
)

// delivery handles a to= line.
func (p *Processor) delivery(r *Record, e *logline.Envelope, t time.Time, sink metering.Sink) {
	if r.Status == StatusDeliverable || r.Status == StatusUndeliverable {
		return // address-verification probe
	}
	m := p.msgs.open(e.Host, r.QueueID)
	m.Last = t
	rt := p.route(r, e.Daemon)
	switch r.Status {
	case StatusSent:
		m.Done++
		p.sent(r, m, e.Host, rt, t, sink)
	case StatusBounced:
		m.Done++
		metering.Count(sink, t, m.Login, metering.Bounced, 1)
	case StatusDeferred:
		metering.Count(sink, t, m.Login, metering.Deferred, 1)
	}
	if m.Login == "" && !m.Reinjected && rt != routeFilter {
		m.early(r.Status, rt)
	}
}

// early notes an outcome of a message without a known sender yet.
func (m *message) early(s Status, rt route) {
	switch {
	case s == StatusSent && rt == routeRemote:
		m.EarlySent++
	case s == StatusBounced:
		m.EarlyBounced++
	case s == StatusDeferred:
		m.EarlyDeferred++
	}
}

func (p *Processor) sent(r *Record, m *message, host string, rt route, t time.Time, sink metering.Sink) {
	switch rt {
	case routeFilter:
		if len(r.QueuedAs) > 0 {
			next := p.msgs.open(host, r.QueuedAs)
			next.Last = t
			p.link(host, r.QueueID, next, t, sink)
		}
	case routeLocal:
		rcpt := p.names.mailbox(r.To)
		if p.local(rcpt) {
			metering.Count(sink, t, rcpt, metering.InMessages, 1)
			metering.Count(sink, t, rcpt, metering.InBytes, m.Size)
		}
		sink.Latency(metering.LatencySample{Time: t, Direction: metering.Inbound,
			Domain: metering.DomainOf(rcpt), Delay: r.Delay})
	case routeRemote:
		metering.Count(sink, t, m.Login, metering.OutBytes, m.Size)
		sink.Latency(metering.LatencySample{Time: t, Direction: metering.Outbound,
			Domain: m.FromDomain, Delay: r.Delay})
	}
}

// route classifies a delivery by daemon and relay.
func (p *Processor) route(r *Record, daemon string) route {
	rel := ParseRelay(r.Relay)
	if rel.Loopback() && (len(r.QueuedAs) > 0 || containsFold(r.Text, "discarded") || p.filterPort(rel.Port)) {
		return routeFilter
	}
	switch daemon {
	case "local":
		if hasPrefix(r.Text, "forwarded as ") {
			return routeNone // the forwarded copy is a new message
		}
		return routeLocal
	case "virtual", "pipe", "lmtp":
		return routeLocal
	case "smtp":
		if rel.Loopback() {
			return routeLocal
		}
		return routeRemote
	case "error", "discard", "retry", "bounce", "defer", "trace", "verify":
		return routeNone
	}
	return guessRoute(rel)
}

// guessRoute classifies deliveries by a daemon renamed in master.cf.
func guessRoute(rel Relay) route {
	switch {
	case string(rel.Host) == "none":
		return routeNone
	case rel.Addr == nil, rel.Loopback():
		return routeLocal // local, virtual, a pipe transport name, a socket
	}
	return routeRemote
}

func (p *Processor) filterPort(port int) bool {
	for _, fp := range p.opts.FilterPorts {
		if port == fp {
			return true
		}
	}
	return false
}
