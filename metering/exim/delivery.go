package exim

import (
	"bytes"
	"net/netip"

	"github.com/mailmeter/mailmeter/metering"
)

// deliveryClass is what a "=>"/"->"/">>" line means for metering.
type deliveryClass uint8

const (
	classLocal   deliveryClass = iota + 1 // final delivery into a mailbox here
	classRemote                           // handed to a non-loopback server
	classHop                              // content-filter hop or loopback relay: not a delivery
	classDiscard                          // :blackhole:, ACL discards, autoreplies, bare local parts
)

// classify applies docs/metering-rules.md: without H= a delivery is local;
// with a non-loopback H= it is remote; to loopback it is a filter hop when
// the reply names the re-injected id, says "discarded", or the port is a
// filter port, else local for LMTP transports (or IsLocal domains), else a
// relay that is not counted.
func (p *Processor) classify(r *Record) deliveryClass {
	a := r.Address
	if len(a) == 0 || a[0] == '>' || string(a) == ":blackhole:" ||
		(indexByte(a, '@') < 0 && len(r.Original) == 0) {
		return classDiscard
	}
	if len(r.Host) == 0 {
		return classLocal
	}
	if !isLoopback(r.HostIP, r.HostName) {
		return classRemote
	}
	if len(r.QueuedAs) > 0 || bytes.Contains(r.Confirmation, []byte("discarded")) ||
		p.isFilterPort(r.HostPort) {
		return classHop
	}
	if bytes.Contains(r.Transport, []byte("lmtp")) {
		return classLocal
	}
	if p.opts.IsLocal != nil && p.opts.IsLocal(metering.DomainOf(p.finalMailbox(r))) {
		return classLocal
	}
	return classHop
}

func (p *Processor) isFilterPort(port int) bool {
	for _, f := range p.opts.FilterPorts {
		if port == f {
			return true
		}
	}
	return false
}

// isLoopback reports whether a delivery host is 127.0.0.0/8 or ::1 (also
// IPv4-mapped), or, without an address, is named localhost.
func isLoopback(ip, name []byte) bool {
	if len(ip) == 0 {
		return string(name) == "localhost" || bytes.HasPrefix(name, []byte("localhost."))
	}
	if hasPrefix(ip, "127.") || string(ip) == "::1" {
		return true
	}
	if bytes.IndexByte(ip, ':') < 0 {
		return false
	}
	addr, err := netip.ParseAddr(string(ip))
	return err == nil && addr.Unmap().IsLoopback()
}

// finalAddress is the address a local delivery lands in: the delivered
// address, or for pipes and files the original one. Bare local parts are
// completed by the caller with the original's domain.
func (p *Processor) finalAddress(r *Record) []byte {
	a := r.Address
	if len(a) > 0 && (a[0] == '|' || a[0] == '/') && len(r.Original) > 0 {
		return r.Original
	}
	return a
}

// finalMailbox is the metered mailbox of a local delivery.
func (p *Processor) finalMailbox(r *Record) string {
	a := p.finalAddress(r)
	if indexByte(a, '@') < 0 && len(r.Original) > 0 {
		return p.names.localMailbox(a, r.Original)
	}
	return p.names.mailbox(a)
}

// envelopeRecipient is the address a delivery, failure or deferral is for,
// before routing: the "<original>" when logged.
func envelopeRecipient(r *Record) []byte {
	if len(r.Original) > 0 {
		return r.Original
	}
	return r.Address
}
