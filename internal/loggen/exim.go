package loggen

import (
	"io"
	"strings"

	"github.com/mailmeter/mailmeter/metering"
)

// Exim writes the simulated traffic as an Exim mainlog and returns the
// ground truth of what was written. Exim has no amavis or milter lines of
// its own: spam is discarded by amavis behind a filter hop and viruses are
// refused after DATA, neither of which the metering rules count for Exim.
// Authenticated submissions are not routed through amavis. It stops at the
// first limit of cfg reached; an invalid cfg writes nothing and returns its
// metering.Invalid error; a write error stops the run and is returned.
func Exim(w io.Writer, cfg Config) (Truth, error) {
	return generate(w, cfg, newStamper(cfg.Start, stampExim, cfg.EximMillis, " "), newExim)
}

var subjects = [...]string{
	"Quarterly report", "Re: lunch tomorrow?", "Invoice for March", "Your order #48213 has shipped",
	`Meeting notes \"draft\"`, "Fwd: photos", "Weekly newsletter", "Password reset", "Re: Re: contract",
	"Quote for the new office",
}

// exim renders Exim mainlog lines.
type exim struct {
	*base
	runner pidPool // queue runners doing retries
}

func newExim(b *base) renderer {
	return &exim{base: b, runner: newPidPool(&b.pc, b.rng, 3)}
}

// line begins a line from process pid about message id ("" for none).
func (e *exim) line(t int64, pid int64, id string) bool {
	if !e.o.begin(t) {
		return false
	}
	if e.cfg.EximPID {
		e.o.str("[")
		e.o.int(pid)
		e.o.str("] ")
	}
	if id != "" {
		e.o.str(id)
		e.o.str(" ")
	}
	return true
}

func (e *exim) say(t int64, pid int64, id string, parts ...string) {
	if e.line(t, pid, id) {
		for _, s := range parts {
			e.o.str(s)
		}
		e.o.end()
	}
}

// host returns the H= and I= fields of m's client.
func (e *exim) host(m *message) string {
	if m.peer != "" {
		return m.peer
	}
	h := "H="
	switch {
	case m.clientName == "unknown":
		h += "(" + m.helo + ")"
	case m.clientName == m.helo:
		h += m.clientName
	default:
		h += m.clientName + " (" + m.helo + ")"
	}
	port := "25"
	if m.login != "" {
		port = "587"
	}
	m.peer = h + " [" + m.clientIP + "]:" + itoa(m.port) + " I=[" + e.w.ip + "]:" + port
	return m.peer
}

func (e *exim) connect(m *message) {
	m.pid = e.pc.next(e.rng)
	if m.variant%3 == 0 {
		e.say(m.at, m.pid, "", "SMTP connection from ", e.host(m)[2:], " (TCP/IP connection count = ", itoa(int64(1+m.variant%7)), ")")
	}
}

func (e *exim) receive(m *message) {
	for i, to := range m.rejected {
		e.reject(m, to, m.tempReject(i))
	}
	switch {
	case m.kind == kindReject:
		return
	case m.verdictMilter():
		text := "This message contains a virus (Eicar-Test-Signature)."
		if m.verdict == verdictSpamBlocked {
			text = "Your message scored 15.2 spam points and was rejected."
		}
		e.say(m.at, m.pid, "", e.host(m), " F=<", m.from, "> rejected after DATA: ", text)
		return
	}
	m.id = e.ids.exim(e.rng, m.at)
	m.mid = e.msgID(m.at, domainOf(m.from))
	if !e.line(m.at, m.pid, m.id) {
		return
	}
	e.o.str("<= ")
	e.addr(m.from)
	if m.kind == kindPickup {
		e.o.str(" U=www-data P=local S=")
	} else {
		e.o.strs(" ", e.host(m), " P=esmtps")
		if m.login != "" {
			e.o.str("a")
		}
		e.o.str(" X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no")
		if m.login != "" {
			e.o.strs(" A=dovecot_plain:", m.login)
		}
		e.o.str(" S=")
	}
	e.o.int(m.size)
	e.o.strs(" id=", m.mid[1:len(m.mid)-1], ` T="`, subjects[m.variant%len(subjects)], `"`)
	e.forList(m)
	e.o.end()
	e.arrived(m)
}

// arrived counts an authenticated arrival.
func (e *exim) arrived(m *message) {
	if !m.authed() {
		return
	}
	e.t.add(m.sender(), metering.OutMessages, 1)
	if e.cfg.EximRecipients {
		e.t.add(m.sender(), metering.OutRecipients, int64(len(m.rcpts)))
	}
}

func (e *exim) addr(a string) {
	if a == "" {
		e.o.str("<>")
		return
	}
	e.o.str(a)
}

// forList appends " for a b c" under +received_recipients.
func (e *exim) forList(m *message) {
	if !e.cfg.EximRecipients {
		return
	}
	e.o.str(" for")
	for i := range m.rcpts {
		rc := &m.rcpts[i]
		e.o.str(" ")
		if rc.orig != "" {
			e.o.str(rc.orig)
		} else {
			e.o.str(rc.addr)
		}
	}
}

func (e *exim) reject(m *message, to string, temporary bool) {
	if !e.line(m.at, m.pid, "") {
		return
	}
	e.o.strs(e.host(m), " F=<", m.from, ">")
	if m.login != "" {
		e.o.strs(" A=dovecot_plain:", m.login)
	}
	if temporary {
		e.o.str(" temporarily")
	}
	e.o.strs(" rejected RCPT <", to, ">: ")
	switch {
	case temporary && m.login != "":
		e.o.str("Sending rate limit exceeded, try again later")
	case temporary:
		e.o.str("greylisted, try again later")
	case m.login != "":
		e.o.str("Sending to this destination is not permitted")
	case m.kind == kindReject && m.variant == 1:
		e.o.strs(`"JunkMail rejected - `, m.clientIP, ` is in an RBL: https://www.spamhaus.org/sbl/query/SBLCSS"`)
	case !e.w.isLocal(to):
		e.o.str("relay not permitted")
	case strings.HasPrefix(to, "nosuchuser"):
		e.o.str("Unknown user")
	default:
		e.o.str("Mailbox is full")
	}
	e.o.end()
	e.rejectedRcpt(m, to, temporary)
}

func (e *exim) queue(m *message) {}

func (e *exim) notify(m *message, n *message) {
	n.id = e.ids.exim(e.rng, n.at)
	n.pid = e.pc.next(e.rng)
	if !e.line(n.at, n.pid, n.id) {
		return
	}
	e.o.strs("<= <> R=", m.curID(), " U=Debian-exim P=local S=")
	e.o.int(n.size)
	e.forList(n)
	e.o.end()
}

func (e *exim) expire(m *message) {
	for i := range m.rcpts {
		rc := &m.rcpts[i]
		if rc.done {
			continue
		}
		if e.line(m.at, m.pid, m.curID()) {
			e.o.strs("** ", rc.addr, ": retry timeout exceeded")
			e.o.end()
			e.outcome(m, rc)
			e.failed(m, outBounced)
		}
	}
}

// outcome counts rc as a recipient at its first outcome line when arrivals
// do not list recipients.
func (e *exim) outcome(m *message, rc *rcpt) {
	if rc.seen {
		return
	}
	rc.seen = true
	if m.authed() && !e.cfg.EximRecipients {
		e.t.add(m.sender(), metering.OutRecipients, 1)
	}
}

func (e *exim) done(m *message) {
	e.say(m.at, m.pid, m.curID(), "Completed")
}

func (e *exim) tick(t int64) {
	pid := e.runner.pick(&e.pc, e.rng)
	e.say(t, pid, "", "Start queue run: pid=", itoa(pid))
	e.say(t, pid, "", "End queue run: pid=", itoa(pid))
}
