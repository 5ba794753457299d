package loggen

// filter writes the hop of an inbound message through amavis on
// 127.0.0.1:10024: the re-injected copy arriving on port 10025 and its
// link, or amavis's discard. Submissions skip amavis under Exim.
func (e *exim) filter(m *message) {
	if m.kind != kindInbound {
		m.id2, m.size2 = m.id, m.size
		return
	}
	blocked := m.verdict == verdictSpamBlocked || m.verdict == verdictVirus
	child := itoa(e.pc.next(e.rng)) + "-01"
	reply := "250 2.7.0 Ok, discarded, id=" + child + " - spam"
	if m.verdict == verdictVirus {
		reply = "250 2.7.0 Ok, discarded, id=" + child + " - INFECTED: Eicar-Test-Signature"
	}
	if !blocked {
		m.id2 = e.ids.exim(e.rng, m.at)
		rpid := e.pc.next(e.rng)
		if e.line(m.at, rpid, m.id2) {
			e.o.str("<= ")
			e.addr(m.from)
			e.o.strs(" H=localhost [127.0.0.1]:", itoa(40000+int64(e.rng.IntN(20000))), " I=[127.0.0.1]:10025 P=esmtp S=")
			e.o.int(m.size2)
			e.o.strs(" id=", m.mid[1:len(m.mid)-1])
			e.forList(m)
			e.o.end()
		}
		reply = "250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 OK id=" + m.id2
	}
	m.pid = e.pc.next(e.rng)
	for i := range m.rcpts {
		rc := &m.rcpts[i]
		if e.line(m.at, m.pid, m.id) {
			e.o.str(arrow(i == 0))
			e.rcptAddr(rc)
			e.o.strs(` R=amavis T=amavis_smtp H=127.0.0.1 [127.0.0.1]:10024 C="`, reply, `"`)
			e.times(m)
			e.o.end()
		}
	}
	e.say(m.at, m.pid, m.id, "Completed")
}

func arrow(first bool) string {
	if first {
		return "=> "
	}
	return "-> "
}

// rcptAddr writes a recipient as delivered, with the alias it was
// addressed to in angle brackets.
func (e *exim) rcptAddr(rc *rcpt) {
	e.o.str(rc.addr)
	if rc.orig != "" {
		e.o.strs(" <", rc.orig, ">")
	}
}

// times appends QT= (since arrival) and DT= (this delivery).
func (e *exim) times(m *message) {
	e.o.str(" QT=")
	e.o.buf = appendEximTime(e.o.buf, m.at-m.arrival, e.cfg.EximMillis)
	e.o.str(" DT=")
	e.o.buf = appendEximTime(e.o.buf, min(m.at-m.arrival, int64(e.rng.IntN(900000))), e.cfg.EximMillis)
}

// attempt writes one delivery pass. Remote recipients delivered to the
// same domain in one pass share a transaction: => for the first, -> after.
func (e *exim) attempt(m *message) {
	if m.attempt == 0 {
		m.pid = e.pc.next(e.rng)
	} else {
		m.pid = e.runner.pick(&e.pc, e.rng)
	}
	for i := range m.rcpts {
		rc := &m.rcpts[i]
		if rc.now == outNone {
			continue
		}
		if rc.remote == nil {
			e.localDelivery(m, rc)
		} else {
			e.remoteDelivery(m, rc, e.firstTo(m, i))
		}
	}
}

// firstTo reports whether recipient i is the first one sent to its domain
// in this pass.
func (e *exim) firstTo(m *message, i int) bool {
	for j := 0; j < i; j++ {
		if r := &m.rcpts[j]; r.now == outSent && r.remote == m.rcpts[i].remote {
			return false
		}
	}
	return true
}

func (e *exim) localDelivery(m *message, rc *rcpt) {
	lmtp := agent(rc.addr)%2 == 0
	if !e.line(m.at, m.pid, m.curID()) {
		return
	}
	switch rc.now {
	case outSent:
		e.o.str("=> ")
	case outDeferred:
		e.o.str("== ")
	default:
		e.o.str("** ")
	}
	e.rcptAddr(rc)
	if lmtp {
		e.o.str(" R=virtual_user T=dovecot_lmtp")
	} else {
		e.o.str(" R=virtual_user T=virtual_delivery")
	}
	e.localTail(m, rc, lmtp)
	e.o.end()
	e.outcome(m, rc)
	if rc.now == outSent {
		e.local(rc.addr, m.curSize())
	} else {
		e.failed(m, rc.now)
	}
}

func (e *exim) localTail(m *message, rc *rcpt, lmtp bool) {
	code := "452 4.2.2"
	if rc.now == outBounced {
		code = "552 5.2.2"
	}
	switch {
	case rc.now == outSent && lmtp:
		e.o.strs(` H=127.0.0.1 [127.0.0.1]:24 C="250 2.0.0 <`, rc.addr, "> ", e.sessionID(), ` Saved"`)
		e.times(m)
	case rc.now == outSent:
		e.times(m)
	case lmtp && rc.now == outDeferred:
		e.o.strs(" defer (-44) H=127.0.0.1 [127.0.0.1]:24: LMTP error after end of data: ", code, " <", rc.addr, "> Quota exceeded (mailbox for user is full)")
	case lmtp:
		e.o.strs(" H=127.0.0.1 [127.0.0.1]:24: LMTP error after end of data: ", code, " <", rc.addr, "> Quota exceeded (mailbox for user is full)")
	case rc.now == outDeferred:
		e.o.strs(" defer (-22): mailbox is full (MTA-imposed quota exceeded while writing to /var/vmail/", rc.addr, "/Maildir)")
	default:
		e.o.strs(": mailbox is full (MTA-imposed quota exceeded while writing to /var/vmail/", rc.addr, "/Maildir)")
	}
}

func (e *exim) remoteDelivery(m *message, rc *rcpt, first bool) {
	r := rc.remote
	h := " H=" + r.mx + " [" + r.ip + "]:25"
	timeout := rc.now == outDeferred && m.attempt%2 == 1
	if timeout {
		e.say(m.at, m.pid, m.curID(), "H=", r.mx, " [", r.ip, "] Connection timed out")
	}
	if !e.line(m.at, m.pid, m.curID()) {
		return
	}
	switch rc.now {
	case outSent:
		e.o.strs(arrow(first), rc.addr, " R=dnslookup T=remote_smtp", h, ` X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes C="250 2.0.0 Ok: queued as `, e.ids.postfix(e.rng, m.at, false), `"`)
		e.times(m)
	case outDeferred:
		e.o.strs("== ", rc.addr, " R=dnslookup T=remote_smtp ")
		if timeout {
			e.o.str("defer (110): Connection timed out")
		} else {
			e.o.strs("defer (-44)", h, ": SMTP error from remote mail server after RCPT TO:<", rc.addr, ">: 450 4.2.0 <", rc.addr, ">: Recipient address rejected: Greylisted")
		}
	default:
		e.o.strs("** ", rc.addr, " R=dnslookup T=remote_smtp", h, ": SMTP error from remote mail server after RCPT TO:<", rc.addr, ">: 550 5.1.1 <", rc.addr, ">: Recipient address rejected: User unknown")
	}
	e.o.end()
	e.outcome(m, rc)
	if rc.now == outSent {
		e.remote(m)
	} else {
		e.failed(m, rc.now)
	}
}

// noise writes lines that count nothing: password guessers, scanners,
// broken TLS and lookups.
func (e *exim) noise(m *message) {
	pid := e.pc.next(e.rng)
	ipp := "[" + m.clientIP + "]:" + itoa(m.port)
	switch m.variant % 6 {
	case 0, 1:
		e.say(m.at, pid, "", "dovecot_login authenticator failed for (User) ", ipp, " I=[", e.w.ip,
			"]:587: 535 Incorrect authentication data (set_id=admin@", e.w.domains[m.variant%len(e.w.domains)], ")")
	case 2:
		e.say(m.at, pid, "", "no host name found for IP address ", m.clientIP)
	case 3:
		e.say(m.at, pid, "", `SMTP protocol synchronization error (input sent without waiting for greeting): rejected connection from H=`,
			ipp, ` I=[`, e.w.ip, `]:25 input="EHLO ylmf-pc\r\n"`)
	case 4:
		e.say(m.at, pid, "", "TLS error on connection from (scanner) ", ipp, " I=[", e.w.ip,
			"]:25 (SSL_accept): error:0A000126:SSL routines::unexpected eof while reading")
	default:
		e.say(m.at, pid, "", "SMTP connection from ", ipp, " lost")
	}
}
