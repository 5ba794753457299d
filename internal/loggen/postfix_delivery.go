package loggen

// attempt writes one delivery pass: a line per recipient with an outcome.
// Retries first re-log the qmgr line, as Postfix does when a deferred
// message re-enters the active queue.
func (p *postfix) attempt(m *message) {
	if m.attempt > 0 {
		p.qmgrFrom(m, m.curID(), m.curSize(), m.pending())
	}
	delay := m.at - m.arrival
	tlsDone := false
	for i := range m.rcpts {
		rc := &m.rcpts[i]
		if rc.now == outNone {
			continue
		}
		if rc.remote == nil {
			p.localDelivery(m, rc, delay)
			continue
		}
		if !tlsDone && rc.now != outDeferred && m.variant%3 == 0 {
			tlsDone = true
			p.say(m.at, "postfix/smtp", p.smtp.pick(&p.pc, p.rng), "Verified TLS connection established to ",
				rc.remote.mx, "[", rc.remote.ip, "]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256")
		}
		p.remoteDelivery(m, rc, delay)
	}
}

func (p *postfix) localDelivery(m *message, rc *rcpt, delay int64) {
	var prog, relay, text string
	var pid int64
	a := agent(rc.addr)
	switch a {
	case 1:
		prog, pid, relay = "postfix/virtual", p.virtual.pick(&p.pc, p.rng), "virtual"
	case 2:
		prog, pid, relay = "postfix/pipe", p.pipe.pick(&p.pc, p.rng), "dovecot"
	default:
		prog, pid = "postfix/lmtp", p.lmtp.pick(&p.pc, p.rng)
		relay = p.mx + "[private/dovecot-lmtp]"
		if a == 3 {
			relay = "127.0.0.1[127.0.0.1]:24"
		}
	}
	dsn, status := "2.0.0", "sent"
	switch rc.now {
	case outSent:
		switch a {
		case 1:
			text = "delivered to maildir"
		case 2:
			text = "delivered via dovecot service"
		default:
			sess := p.sessionID()
			text = "250 2.0.0 <" + rc.addr + "> " + sess + " Saved"
			p.say(m.at, "dovecot", p.dovecot, "lmtp(", rc.addr, ")<", itoa(p.dovecot), "><", sess,
				">: msgid=", m.mid, ": saved mail to INBOX")
		}
	case outDeferred:
		dsn, status = "4.2.2", "deferred"
		text = p.quotaText(a, relay, rc.addr, "452 4.2.2")
	case outBounced:
		dsn, status = "5.2.2", "bounced"
		text = p.quotaText(a, relay, rc.addr, "552 5.2.2")
	}
	if p.delivery(m, prog, pid, rc, relay, delay, dsn, status, text) {
		p.count(m, rc)
	}
}

func (p *postfix) quotaText(a int, relay, addr, code string) string {
	switch a {
	case 1:
		return "maildir delivery failed: Disk quota exceeded"
	case 2:
		return "Quota exceeded (mailbox for user is full)"
	}
	host := relay
	if a == 3 {
		host = "127.0.0.1[127.0.0.1]"
	}
	return "host " + host + " said: " + code + " <" + addr + "> Quota exceeded (mailbox for user is full) (in reply to end of DATA command)"
}

func (p *postfix) remoteDelivery(m *message, rc *rcpt, delay int64) {
	r := rc.remote
	relay := r.mx + "[" + r.ip + "]:25"
	dsn, status, text := "2.0.0", "sent", ""
	switch rc.now {
	case outSent:
		text = "250 2.0.0 Ok: queued as " + p.newID(m.at)
	case outDeferred:
		dsn, status = "4.2.0", "deferred"
		text = "host " + r.mx + "[" + r.ip + "] said: 450 4.2.0 <" + rc.addr +
			">: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/" + r.name + ".html (in reply to RCPT TO command)"
		if m.attempt%2 == 1 {
			dsn, relay = "4.4.1", "none"
			text = "connect to " + r.mx + "[" + r.ip + "]:25: Connection timed out"
		}
	case outBounced:
		dsn, status = "5.1.1", "bounced"
		text = "host " + r.mx + "[" + r.ip + "] said: 550 5.1.1 <" + rc.addr +
			">: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)"
	}
	if p.delivery(m, "postfix/smtp", p.smtp.pick(&p.pc, p.rng), rc, relay, delay, dsn, status, text) {
		p.count(m, rc)
	}
}

// count records the truth of rc's outcome in this pass.
func (p *postfix) count(m *message, rc *rcpt) {
	switch {
	case rc.now == outSent && rc.remote == nil:
		p.local(rc.addr, m.curSize())
	case rc.now == outSent:
		p.remote(m)
	default:
		p.failed(m, rc.now)
	}
}

// delivery writes a delivery agent's line for rc; false if not written.
func (p *postfix) delivery(m *message, prog string, pid int64, rc *rcpt, relay string, delay int64, dsn, status, text string) bool {
	if !p.qline(m.at, prog, pid, m.curID()) {
		return false
	}
	o := p.o
	o.str("to=<" + rc.addr + ">, ")
	if rc.orig != "" {
		o.str("orig_to=<" + rc.orig + ">, ")
	}
	o.str("relay=" + relay + ", delay=")
	o.buf = appendPostfixDelay(o.buf, delay)
	o.str(", delays=")
	o.buf = p.appendDelays(o.buf, delay, relay == "none")
	o.str(", dsn=" + dsn + ", status=" + status + " (" + text + ")")
	o.end()
	return true
}

// appendDelays splits a delay into Postfix's a/b/c/d.
func (p *postfix) appendDelays(b []byte, delay int64, noConn bool) []byte {
	a := min(delay, int64(20000+p.rng.IntN(300000)))
	rest := delay - a
	c := min(rest, int64(p.rng.IntN(400000)))
	d := min(rest-c, int64(p.rng.IntN(300000)))
	if noConn {
		c, d = rest, 0
	}
	bq := rest - c - d
	b = appendPostfixDelay(b, a)
	b = append(b, '/')
	b = appendPostfixDelay(b, bq)
	b = append(b, '/')
	b = appendPostfixDelay(b, c)
	b = append(b, '/')
	return appendPostfixDelay(b, d)
}
