package loggen

// noise writes a session that counts nothing: scanners, password
// guessers, broken clients, reject_warning and IMAP logins.
func (p *postfix) noise(m *message) {
	ip := "[" + m.clientIP + "]:" + itoa(m.port)
	client := "unknown[" + m.clientIP + "]"
	pid := p.smtpd.pick(&p.pc, p.rng)
	ps := "postfix/postscreen"
	switch m.variant % 9 {
	case 8:
		p.probe(m)
	case 0:
		p.say(m.at, ps, p.postscreen, "CONNECT from ", ip, " to [", p.w.ip, "]:25")
		p.say(m.at, ps, p.postscreen, "PREGREET 14 after 0.08 from ", ip, ": EHLO ylmf-pc\\r\\n")
		p.say(m.at, ps, p.postscreen, "DISCONNECT ", ip)
	case 1:
		p.say(m.at, ps, p.postscreen, "CONNECT from ", ip, " to [", p.w.ip, "]:25")
		p.say(m.at, ps, p.postscreen, "HANGUP after 16 from ", ip, " in tests after SMTP handshake")
		p.say(m.at, ps, p.postscreen, "DISCONNECT ", ip)
	case 2, 3:
		sub := "postfix/submission/smtpd"
		p.say(m.at, sub, pid, "connect from ", client)
		p.say(m.at, sub, pid, "warning: ", client, ": SASL LOGIN authentication failed: UGFzc3dvcmQ6")
		p.say(m.at, sub, pid, "disconnect from ", client, " ehlo=1 auth=0/1 quit=1 commands=2/3")
	case 4:
		p.say(m.at, "postfix/smtpd", pid, "connect from ", client)
		p.say(m.at, "postfix/smtpd", pid, "lost connection after DATA (", itoa(int64(1000+m.variant*7)), " bytes) from ", client)
		p.say(m.at, "postfix/smtpd", pid, "disconnect from ", client, " ehlo=1 mail=1 rcpt=1 data=0/1 commands=3/4")
	case 5:
		p.say(m.at, "postfix/smtpd", pid, "connect from ", client)
		p.say(m.at, "postfix/smtpd", pid, "NOQUEUE: reject_warning: RCPT from ", client,
			": 450 4.7.1 Client host rejected: cannot find your hostname, [", m.clientIP, "]; from=<spam@", m.clientIP,
			"> to=<", p.w.mailboxes[m.variant%len(p.w.mailboxes)], "> proto=ESMTP helo=<ylmf-pc>")
		p.say(m.at, "postfix/smtpd", pid, "disconnect from ", client, " ehlo=1 mail=1 rcpt=1 quit=1 commands=4")
	case 6:
		p.say(m.at, "postfix/smtpd", pid, "warning: hostname ", m.clientIP, ".static.example does not resolve to address ",
			m.clientIP, ": Name or service not known")
		p.say(m.at, "postfix/smtpd", pid, "connect from ", client)
		p.say(m.at, "postfix/smtpd", pid, "warning: non-SMTP command from ", client, ": GET / HTTP/1.1")
		p.say(m.at, "postfix/smtpd", pid, "disconnect from ", client, " unknown=0/1 commands=0/1")
	default:
		mb := p.w.mailboxes[m.variant%len(p.w.mailboxes)]
		p.say(m.at, "dovecot", p.dovecot, "imap-login: Login: user=<", mb, ">, method=PLAIN, rip=", m.clientIP,
			", lip=", p.w.ip, ", mpid=", itoa(p.pc.next(p.rng)), ", TLS, session=<", p.sessionID()[:16], ">")
	}
}

// probe writes an address verification probe: a queued message whose
// delivery line says deliverable or undeliverable, which is no delivery.
func (p *postfix) probe(m *message) {
	id := p.newID(m.at)
	r := &p.w.remotes[m.variant%len(p.w.remotes)]
	to := remoteLocals[m.variant%len(remoteLocals)] + "@" + r.name
	p.say(m.at, "postfix/cleanup", p.cleanup.pick(&p.pc, p.rng), id, ": message-id=", p.msgID(m.at, p.w.host))
	p.say(m.at, "postfix/qmgr", p.qmgr, id, ": from=<double-bounce@", p.w.host, ">, size=291, nrcpt=1 (queue active)")
	status := "dsn=2.1.5, status=deliverable (250 2.1.5 Ok)"
	if m.variant%2 == 1 {
		status = "dsn=5.1.1, status=undeliverable (host " + r.mx + "[" + r.ip + "] said: 550 5.1.1 <" + to +
			">: Recipient address rejected: User unknown (in reply to RCPT TO command))"
	}
	p.say(m.at, "postfix/smtp", p.smtp.pick(&p.pc, p.rng), id, ": to=<", to, ">, relay=", r.mx, "[", r.ip,
		"]:25, delay=0.62, delays=0.01/0/0.4/0.21, ", status)
	p.say(m.at, "postfix/qmgr", p.qmgr, id, ": removed")
}

// tick writes the periodic lines: anvil statistics.
func (p *postfix) tick(t int64) {
	p.say(t, "postfix/anvil", p.anvil, "statistics: max connection rate 6/60s for (smtp:203.0.113.9) at ",
		p.cfg.Start.Add(microseconds(t)).Format("Jan _2 15:04:05"))
	p.say(t, "postfix/anvil", p.anvil, "statistics: max connection count 3 for (smtp:203.0.113.9) at ",
		p.cfg.Start.Add(microseconds(t)).Format("Jan _2 15:04:05"))
}
