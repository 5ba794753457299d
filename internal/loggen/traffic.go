package loggen

import (
	"math"
	"strconv"

	"github.com/mailmeter/mailmeter/metering"
)

// plan draws what a new session is: its kind, parties, recipients and
// their fates. Only the traffic generator is used, so the Postfix and Exim
// renderings of a seed carry the same traffic.
func (s *sim) plan(m *message) {
	c := s.cfg
	m.variant = s.rng.IntN(1 << 16)
	m.port = 1024 + int64(s.rng.IntN(64000))
	x := s.rng.Float64()
	switch {
	case x < c.NoiseShare:
		m.kind = kindNoise
		m.clientIP = randIP(s.rng)
	case x < c.NoiseShare+c.RejectShare:
		s.planReject(m)
	default:
		y := s.rng.Float64()
		switch {
		case y < c.AuthShare:
			s.planAuth(m)
		case y < c.AuthShare+0.03:
			s.planPickup(m)
		case y < c.AuthShare+0.06:
			s.planWebmail(m)
		default:
			s.planInbound(m)
		}
	}
}

func (s *sim) planInbound(m *message) {
	c := s.cfg
	m.kind = kindInbound
	addr, r := s.w.remoteAddr(s.rng)
	m.from = addr
	if s.rng.IntN(20) == 0 {
		m.from = ""
	}
	s.remoteClient(m, r)
	n := s.rcptCount()
	for i := 0; i < n; i++ {
		to, orig := s.localRcpt(true)
		rc := rcpt{addr: to, orig: orig}
		if s.rng.Float64() < c.DeferShare/2 {
			rc.defers = 1 + s.rng.IntN(2)
		}
		rc.bounce = s.rng.Float64() < c.BounceShare/3
		s.addRcpt(m, rc)
	}
	if s.rng.Float64() < c.RejectShare/2 {
		m.rejected = append(m.rejected, s.refusedLocal(m))
	}
	v := s.rng.Float64()
	switch {
	case v < c.SpamShare:
		m.verdict = verdictSpamBlocked
	case v < c.SpamShare+c.VirusShare:
		m.verdict = verdictVirus
	case v < c.SpamShare+c.VirusShare+0.03:
		m.verdict = verdictSpamPassed
	}
	m.filter = s.rng.Float64() < c.FilterShare
	if m.verdictMilter() {
		m.rcpts = m.rcpts[:1] // milters log one recipient
	}
	m.size = s.size()
	m.size2 = m.size + 600 + int64(s.rng.IntN(400))
}

func (s *sim) planAuth(m *message) {
	c := s.cfg
	m.kind = kindAuth
	mb := s.w.mailboxes[s.w.mailbox(s.rng)]
	m.from, m.login = mb, mb
	if s.rng.IntN(30) == 0 {
		m.login = capitalized(mb)
	}
	m.clientName, m.clientIP = "unknown", randIP(s.rng)
	m.helo = "[192.168.1." + strconv.Itoa(2+s.rng.IntN(250)) + "]"
	s.submitRcpts(m, s.rcptCount())
	if s.rng.Float64() < c.RejectShare/2 {
		addr, _ := s.w.remoteAddr(s.rng)
		m.rejected = append(m.rejected, addr)
	}
	m.filter = s.rng.Float64() < c.FilterShare
	m.size = s.size()
	m.size2 = m.size + 600 + int64(s.rng.IntN(400))
}

// remoteFate decides how delivery to a remote recipient goes.
func (s *sim) remoteFate(m *message, rc *rcpt) {
	c := s.cfg
	x := s.rng.Float64()
	switch {
	case x < c.BounceShare:
		rc.bounce = true
	case x < c.BounceShare+c.DeferShare:
		rc.defers = 1 + s.rng.IntN(3)
		switch y := s.rng.Float64(); {
		case y < 0.15:
			rc.bounce = true
		case y < 0.3: // never delivered: the message expires
			rc.defers = 1 << 20
			if m.expireAt == 0 {
				m.expireAt = 2 + s.rng.IntN(3)
			}
		}
	}
}

// planPickup plans a script's or web mail's sendmail(1) submission as uid
// 33 (www-data): half with -f naming a mailbox, half with the default
// sender www-data@host; to a local or a remote recipient.
func (s *sim) planPickup(m *message) {
	m.kind = kindPickup
	m.from = "www-data@" + s.w.host
	if m.variant%2 == 0 {
		m.from = s.w.mailboxes[s.w.mailbox(s.rng)]
	}
	m.trusted = s.cfg.TrustedSenders
	s.submitRcpts(m, 1)
	m.size = 700 + int64(s.rng.IntN(3000))
}

// planWebmail plans a web mail submission over unauthenticated SMTP from
// 127.0.0.1, sometimes through amavis (whose re-injected copy comes from
// 127.0.0.1 too).
func (s *sim) planWebmail(m *message) {
	m.kind = kindWebmail
	m.from = s.w.mailboxes[s.w.mailbox(s.rng)]
	m.trusted = s.cfg.TrustedSenders
	m.clientName, m.clientIP, m.helo = "localhost", "127.0.0.1", "webmail."+s.w.host
	s.submitRcpts(m, s.rcptCount())
	m.filter = s.rng.Float64() < s.cfg.FilterShare
	m.size = s.size()
	m.size2 = m.size + 600 + int64(s.rng.IntN(400))
}

// submitRcpts adds n recipients of a submission, remote ones (RemoteShare)
// with their fates.
func (s *sim) submitRcpts(m *message, n int) {
	for i := 0; i < n; i++ {
		if s.rng.Float64() >= s.cfg.RemoteShare {
			to, _ := s.localRcpt(false)
			s.addRcpt(m, rcpt{addr: to})
			continue
		}
		addr, r := s.w.remoteAddr(s.rng)
		rc := rcpt{addr: addr, remote: r}
		s.remoteFate(m, &rc)
		s.addRcpt(m, rc)
	}
}

func (s *sim) planReject(m *message) {
	m.kind = kindReject
	m.variant %= 5
	addr, r := s.w.remoteAddr(s.rng)
	m.from = addr
	s.remoteClient(m, r)
	n := 1 + s.rng.IntN(3)
	for i := 0; i < n; i++ {
		switch m.variant {
		case 0: // unknown users
			m.rejected = append(m.rejected, s.unknownLocal())
		case 1: // RBL
			to, _ := s.localRcpt(false)
			m.rejected = append(m.rejected, to)
		case 2: // an authenticated user hits a policy
			if i == 0 {
				mb := s.w.mailboxes[s.w.mailbox(s.rng)]
				m.from, m.login = mb, mb
				m.clientName, m.clientIP, m.helo = "unknown", randIP(s.rng), "[10.0.0.7]"
			}
			to, _ := s.w.remoteAddr(s.rng)
			m.rejected = append(m.rejected, to)
		case 3: // relay attempt
			to, _ := s.w.remoteAddr(s.rng)
			m.rejected = append(m.rejected, to)
		default: // greylisted, or postscreen's after-220 tests: 450, the client will retry
			to, _ := s.localRcpt(false)
			m.rejected = append(m.rejected, to)
		}
	}
}

func (s *sim) remoteClient(m *message, r *remoteDomain) {
	m.clientName, m.clientIP, m.helo = r.mx, r.ip, r.mx
	if s.rng.IntN(6) == 0 {
		m.clientName = "unknown"
	}
}

// localRcpt draws a local recipient as addressed, and the alias it came
// through ("" if none).
func (s *sim) localRcpt(aliases bool) (to, orig string) {
	mb := s.w.mailbox(s.rng)
	addr := s.w.mailboxes[mb]
	x := s.rng.Float64()
	switch {
	case aliases && x < s.cfg.AliasShare:
		as := s.w.aliases[s.w.domainIndex(mb)]
		a := as[s.rng.IntN(len(as))]
		return a.target, a.addr
	case x < s.cfg.AliasShare+s.cfg.PlusShare:
		return withTag(addr, tags[s.rng.IntN(len(tags))]), ""
	case x > 0.985:
		return capitalized(addr), ""
	}
	return addr, ""
}

// refusedLocal returns a local recipient refused at RCPT time: an unknown
// user, or a full mailbox that is not among m's recipients.
func (s *sim) refusedLocal(m *message) string {
	if s.rng.IntN(2) == 0 {
		return s.unknownLocal()
	}
	to, _ := s.localRcpt(false)
	mb := metering.MailboxFor(to, metering.DefaultDelimiter)
	for i := range m.rcpts {
		if metering.MailboxFor(m.rcpts[i].addr, metering.DefaultDelimiter) == mb {
			return s.unknownLocal()
		}
	}
	return to
}

func (s *sim) unknownLocal() string {
	d := s.w.domains[s.rng.IntN(len(s.w.domains))]
	return "nosuchuser" + strconv.Itoa(s.rng.IntN(50)) + "@" + d
}

// addRcpt adds rc unless a recipient of the same mailbox is already
// there: Exim's "1 per distinct recipient" could then mean addresses or
// mailboxes, and a ground truth must not depend on that reading.
func (s *sim) addRcpt(m *message, rc rcpt) {
	mb := metering.MailboxFor(rc.addr, metering.DefaultDelimiter)
	for i := range m.rcpts {
		if metering.MailboxFor(m.rcpts[i].addr, metering.DefaultDelimiter) == mb {
			return
		}
	}
	m.rcpts = append(m.rcpts, rc)
}

// rcptCount draws a recipient count: mostly one, sometimes up to the max.
func (s *sim) rcptCount() int {
	if s.cfg.MaxRecipients == 1 || s.rng.IntN(4) != 0 {
		return 1
	}
	return 1 + s.rng.IntN(s.cfg.MaxRecipients)
}

// size draws a message size: log-normal around 6 kB, a few large ones.
func (s *sim) size() int64 {
	v := math.Exp(8.7 + 1.3*s.rng.NormFloat64())
	return int64(min(max(v, 380), 30e6))
}
