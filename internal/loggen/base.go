package loggen

import (
	"math/rand/v2"

	"github.com/mailmeter/mailmeter/metering"
)

// base is what both renderers share: the output, the truth, the names and
// a random source for cosmetic choices (pids, ids, texts) that never
// influences the traffic.
type base struct {
	cfg Config
	w   *world
	o   *output
	t   *Truth
	rng *rand.Rand
	ids idMaker
	pc  pidCounter
}

func newBase(cfg Config, w *world, o *output, t *Truth, rng *rand.Rand) *base {
	b := &base{cfg: cfg, w: w, o: o, t: t, rng: rng}
	b.ids = newIDMaker(rng, cfg.Start.Unix())
	b.pc = pidCounter{last: 1000 + int64(rng.IntN(20000))}
	return b
}

// msgID returns a Message-ID such as <20261128221503.4F2A19C0@acme.example>.
func (b *base) msgID(t int64, domain string) string {
	buf := make([]byte, 0, 64)
	buf = append(buf, '<')
	buf = b.cfg.Start.Add(microseconds(t)).AppendFormat(buf, "20060102150405")
	buf = append(buf, '.')
	for i := 0; i < 8; i++ {
		buf = append(buf, hexDigits[b.rng.IntN(16)])
	}
	buf = append(buf, '@')
	buf = append(buf, domain...)
	return string(append(buf, '>'))
}

// sessionID returns a Dovecot LMTP session id like 5GjrDafYTFE7WAAABf1gKA.
func (b *base) sessionID() string {
	var buf [22]byte
	for i := range buf {
		buf[i] = base62[b.rng.IntN(62)]
	}
	return string(buf[:])
}

// local counts a final local delivery of size bytes to addr.
func (b *base) local(addr string, size int64) {
	b.t.add(addr, metering.InMessages, 1)
	b.t.add(addr, metering.InBytes, size)
	b.t.latency(metering.Inbound)
}

// remote counts a remote delivery of m's current copy.
func (b *base) remote(m *message) {
	b.t.latency(metering.Outbound)
	if m.authed() {
		b.t.add(m.sender(), metering.OutBytes, m.curSize())
	}
}

// failed counts a deferral or bounce of one of m's recipients.
func (b *base) failed(m *message, o outcome) {
	if !m.authed() {
		return
	}
	if o == outDeferred {
		b.t.add(m.sender(), metering.Deferred, 1)
	} else {
		b.t.add(m.sender(), metering.Bounced, 1)
	}
}

// rejectedRcpt counts an SMTP-time reject of to in m's session, temporary
// (4xx) or permanent.
func (b *base) rejectedRcpt(m *message, to string, temporary bool) {
	in, out := metering.RejectMetrics(temporary)
	if m.login != "" {
		b.t.add(m.login, out, 1)
	} else {
		b.t.add(to, in, 1)
	}
}

// domainOf returns the part after the last @.
func domainOf(addr string) string { return metering.DomainOf(addr) }

// agent picks a local delivery method per recipient domain, stable for a
// domain: 0..3.
func agent(addr string) int {
	d := domainOf(addr)
	h := 0
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		h += int(c)
	}
	return h % 4
}
