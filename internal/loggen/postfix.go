package loggen

import (
	"io"
	"strings"

	"github.com/mailmeter/mailmeter/metering"
)

// Postfix writes the simulated traffic as a Postfix syslog maillog (with
// amavis, clamav-milter and Dovecot lines mixed in, as on a real host) and
// returns the ground truth of what was written. It stops at the first limit
// of cfg reached. An invalid cfg writes nothing and returns its
// metering.Invalid error; a write error stops the run and is returned.
func Postfix(w io.Writer, cfg Config) (Truth, error) {
	style, suffix := stampBSD, " "+cfg.Host+" "
	switch cfg.Timestamps {
	case RFC3339Micro:
		style = stampRFC3339
	case MaillogFile:
		style = stampBSDZero
		if i := strings.IndexByte(cfg.Host, '.'); i > 0 {
			suffix = " " + cfg.Host[:i] + " "
		}
	}
	return generate(w, cfg, newStamper(cfg.Start, style, false, suffix), newPostfix)
}

// postfix renders Postfix lines.
type postfix struct {
	*base
	smtpd, cleanup, smtp, lmtp, virtual, pipe, bounce, amavis pidPool
	qmgr, pickup, postscreen, anvil, dovecot, clamav          int64
	amavisN                                                   int64
	mx                                                        string // relay name of the Dovecot LMTP socket
}

func newPostfix(b *base) renderer {
	p := &postfix{base: b, mx: b.w.host}
	pc, r := &b.pc, b.rng
	p.smtpd = newPidPool(pc, r, 8)
	p.cleanup, p.smtp = newPidPool(pc, r, 4), newPidPool(pc, r, 8)
	p.lmtp, p.virtual, p.pipe = newPidPool(pc, r, 4), newPidPool(pc, r, 2), newPidPool(pc, r, 2)
	p.bounce, p.amavis = newPidPool(pc, r, 2), newPidPool(pc, r, 6)
	p.qmgr, p.pickup, p.postscreen = pc.next(r), pc.next(r), pc.next(r)
	p.anvil, p.dovecot, p.clamav = pc.next(r), pc.next(r), pc.next(r)
	return p
}

// line begins a line from prog[pid]; false means stop writing.
func (p *postfix) line(t int64, prog string, pid int64) bool {
	if !p.o.begin(t) {
		return false
	}
	p.o.str(prog)
	p.o.buf = append(p.o.buf, '[')
	p.o.int(pid)
	p.o.str("]: ")
	return true
}

// qline begins a line about queue id id.
func (p *postfix) qline(t int64, prog string, pid int64, id string) bool {
	if !p.line(t, prog, pid) {
		return false
	}
	p.o.str(id)
	p.o.str(": ")
	return true
}

// say writes a whole line of text.
func (p *postfix) say(t int64, prog string, pid int64, parts ...string) {
	if p.line(t, prog, pid) {
		for _, s := range parts {
			p.o.str(s)
		}
		p.o.end()
	}
}

func (p *postfix) smtpdOf(m *message) string {
	if m.login != "" {
		return "postfix/submission/smtpd"
	}
	return "postfix/smtpd"
}

func (p *postfix) client(m *message) string {
	if m.peer == "" {
		m.peer = m.clientName + "[" + m.clientIP + "]"
	}
	return m.peer
}

func (p *postfix) newID(t int64) string {
	return p.ids.postfix(p.rng, t, p.rng.Float64() < p.cfg.LongIDShare)
}

func (p *postfix) connect(m *message) {
	if m.kind == kindPickup {
		return
	}
	prog := p.smtpdOf(m)
	m.pid = p.pc.next(p.rng) // one smtpd process per concurrent session
	if m.login == "" && m.kind != kindWebmail && m.variant%3 != 0 {
		ip := "[" + m.clientIP + "]:" + itoa(m.port)
		p.say(m.at, "postfix/postscreen", p.postscreen, "CONNECT from ", ip, " to [", p.w.ip, "]:25")
		if m.kind == kindReject && m.variant == 1 {
			p.say(m.at, "postfix/postscreen", p.postscreen, "DNSBL rank 4 for ", ip)
			return
		}
		if m.byPostscreen() {
			p.say(m.at, "postfix/postscreen", p.postscreen, "PASS NEW ", ip)
			return
		}
		p.say(m.at, "postfix/postscreen", p.postscreen, "PASS OLD ", ip)
	}
	p.say(m.at, prog, m.pid, "connect from ", p.client(m))
	if m.variant%4 != 3 {
		p.say(m.at, prog, m.pid, "Anonymous TLS connection established from ", p.client(m),
			": TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256")
	}
}

func (p *postfix) receive(m *message) {
	switch m.kind {
	case kindReject:
		p.rejectSession(m)
		return
	case kindPickup:
		m.id = p.newID(m.at)
		from := "www-data" // sendmail without -f: Postfix appends myorigin later
		if m.variant%2 == 0 {
			from = m.from
		}
		p.say(m.at, "postfix/pickup", p.pickup, m.id, ": uid=33 from=<", from, ">")
		p.cleanupLine(m, m.id, m.at, domainOf(m.from))
		return
	}
	prog := p.smtpdOf(m)
	m.id = p.newID(m.at)
	sasl := ""
	if m.login != "" {
		sasl = ", sasl_method=PLAIN, sasl_username=" + m.login
	}
	p.say(m.at, prog, m.pid, m.id, ": client=", p.client(m), sasl)
	for i, to := range m.rejected {
		p.reject(m, m.id, to, m.tempReject(i))
	}
	p.cleanupLine(m, m.id, m.at, domainOf(m.from))
	if m.verdictMilter() {
		p.milterReject(m)
		p.disconnect(m, prog, 0)
	}
}

func (p *postfix) cleanupLine(m *message, id string, t int64, dom string) {
	if dom == "" {
		dom = p.w.host
	}
	m.mid = p.msgID(t, dom)
	p.say(t, "postfix/cleanup", p.cleanup.pick(&p.pc, p.rng), id, ": message-id=", m.mid)
}

// reject writes one RCPT reject in m's session under id (NOQUEUE or a
// queue id), temporary (4xx) or not, and counts it.
func (p *postfix) reject(m *message, id, to string, temporary bool) {
	prog := p.smtpdOf(m)
	if !p.qline(m.at, prog, m.pid, id) {
		return
	}
	p.o.str("reject: RCPT from ")
	p.o.str(p.client(m))
	switch {
	case m.login != "" && temporary:
		p.o.strs(": 450 4.7.1 <", to, ">: Recipient address rejected: Sending rate limit exceeded, try again later")
	case m.login != "":
		p.o.strs(": 554 5.7.1 <", to, ">: Recipient address rejected: Access denied")
	case temporary:
		p.o.strs(": 450 4.2.0 <", to, ">: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/", domainOf(to), ".html")
	case !p.w.isLocal(to):
		p.o.strs(": 554 5.7.1 <", to, ">: Relay access denied")
	case strings.HasPrefix(to, "nosuchuser"):
		p.o.strs(": 550 5.1.1 <", to, ">: Recipient address rejected: User unknown in virtual mailbox table")
	default:
		p.o.strs(": 552 5.2.2 <", to, ">: Recipient address rejected: Mailbox is full")
	}
	p.o.strs("; from=<", m.from, "> to=<", to, "> proto=ESMTP helo=<", m.helo, ">")
	if m.login != "" {
		p.o.strs(" sasl_username=<", m.login, ">")
	}
	p.o.end()
	p.rejectedRcpt(m, to, temporary)
}

// byPostscreen reports whether postscreen itself rejects m's session: the
// RBL rejects (550) and half of the temporary ones (450, its after-220
// tests).
func (m *message) byPostscreen() bool {
	return m.kind == kindReject && (m.variant == 1 || m.variant == 4 && m.port%2 == 0)
}

func (p *postfix) rejectSession(m *message) {
	if m.byPostscreen() {
		ip := "[" + m.clientIP + "]:" + itoa(m.port)
		for i, to := range m.rejected {
			if p.line(m.at, "postfix/postscreen", p.postscreen) {
				if m.tempReject(i) {
					p.o.strs("NOQUEUE: reject: RCPT from ", ip, ": 450 4.3.2 Service currently unavailable")
				} else {
					p.o.strs("NOQUEUE: reject: RCPT from ", ip, ": 550 5.7.1 Service unavailable; client [", m.clientIP, "] blocked using zen.spamhaus.org")
				}
				p.o.strs("; from=<", m.from, ">, to=<", to, ">, proto=ESMTP, helo=<", m.helo, ">")
				p.o.end()
				p.rejectedRcpt(m, to, m.tempReject(i))
			}
		}
		p.say(m.at, "postfix/postscreen", p.postscreen, "DISCONNECT ", ip)
		return
	}
	for i, to := range m.rejected {
		p.reject(m, "NOQUEUE", to, m.tempReject(i))
	}
	prog := p.smtpdOf(m)
	p.disconnect(m, prog, 0)
}

func (p *postfix) milterReject(m *message) {
	to := m.rcpts[0].addr
	if m.verdict == verdictVirus {
		p.say(m.at, "clamav-milter", p.clamav, "Message from <", m.from, "> to <", to, "> infected by Eicar-Test-Signature")
	}
	if !p.qline(m.at, "postfix/cleanup", p.cleanup.pick(&p.pc, p.rng), m.id) {
		return
	}
	p.o.strs("milter-reject: END-OF-MESSAGE from ", p.client(m), ": ")
	metric := metering.SpamBlocked
	if m.verdict == verdictVirus {
		p.o.str("5.7.1 Blocked by ClamAV - FOUND VIRUS: Eicar-Test-Signature")
		metric = metering.VirusBlocked
	} else {
		p.o.str("5.7.1 Spam message rejected")
	}
	p.o.strs("; from=<", m.from, "> to=<", to, "> proto=ESMTP helo=<", m.helo, ">")
	p.o.end()
	p.t.add(to, metric, 1)
}

// disconnect writes the smtpd session summary; data is 1 if a message was
// accepted.
func (p *postfix) disconnect(m *message, prog string, data int) {
	if !p.line(m.at, prog, m.pid) {
		return
	}
	acc := len(m.rcpts)
	if m.kind == kindReject || m.verdictMilter() {
		acc = 0
	}
	total := acc + len(m.rejected)
	tls := m.variant%4 != 3
	p.o.strs("disconnect from ", p.client(m), " ehlo=1")
	n, ok := 3, 3
	if tls {
		p.o.str(" starttls=1")
		n, ok = n+1, ok+1
	}
	if m.login != "" {
		p.o.str(" auth=1")
		n, ok = n+1, ok+1
	}
	p.o.str(" mail=1 rcpt=")
	p.o.int(int64(acc))
	if total != acc {
		p.o.str("/")
		p.o.int(int64(total))
	}
	n, ok = n+total, ok+acc
	if m.kind != kindReject {
		p.o.str(" data=")
		p.o.int(int64(data))
		if data == 0 {
			p.o.str("/1")
		}
		n, ok = n+1, ok+data
	}
	p.o.str(" quit=1 commands=")
	p.o.int(int64(ok))
	if ok != n {
		p.o.str("/")
		p.o.int(int64(n))
	}
	p.o.end()
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
