package loggen

import "github.com/mailmeter/mailmeter/metering"

func (p *postfix) queue(m *message) {
	if p.qmgrFrom(m, m.id, m.size, len(m.rcpts)) && m.authed() {
		p.t.add(m.sender(), metering.OutMessages, 1)
		p.t.add(m.sender(), metering.OutRecipients, int64(len(m.rcpts)))
	}
	if m.kind == kindInbound || m.kind == kindAuth || m.kind == kindWebmail {
		prog := p.smtpdOf(m)
		p.disconnect(m, prog, 1)
	}
}

// filter writes the hop through amavis: the re-injected copy and its link
// ("queued as"), or the block and the discard.
func (p *postfix) filter(m *message) {
	blocked := m.verdict == verdictSpamBlocked || m.verdict == verdictVirus
	apid := p.amavis.pick(&p.pc, p.rng)
	p.amavisN++
	child := itoa(apid) + "-" + itoa(1+p.amavisN%40)
	reply := "250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as "
	// qmgr often takes the copy before amavis and the hop line log the
	// link: the copy is then known as one only by its Message-ID (and
	// orig_queue_id=, when logged).
	early := !blocked && m.variant%3 == 0
	if blocked {
		p.amavisLine(m, apid, child, "")
		reply = "250 2.7.0 Ok, discarded, id=" + child + " - spam"
		if m.verdict == verdictVirus {
			reply = "250 2.7.0 Ok, discarded, id=" + child + " - INFECTED: Eicar-Test-Signature"
		}
	} else {
		m.id2 = p.newID(m.at)
		spid := p.smtpd.pick(&p.pc, p.rng)
		p.say(m.at, "postfix/smtpd", spid, "connect from localhost[127.0.0.1]")
		orig := ""
		if m.variant%2 == 0 {
			orig = ", orig_queue_id=" + m.id + ", orig_client=" + p.client(m)
		}
		p.say(m.at, "postfix/smtpd", spid, m.id2, ": client=localhost[127.0.0.1]", orig)
		p.say(m.at, "postfix/cleanup", p.cleanup.pick(&p.pc, p.rng), m.id2, ": message-id=", m.mid)
		if early {
			p.qmgrFrom(m, m.id2, m.size2, len(m.rcpts)) // re-injected: not counted again
		}
		p.say(m.at, "postfix/smtpd", spid, "disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=",
			itoa(int64(len(m.rcpts))), " data=1 quit=1 commands=", itoa(int64(len(m.rcpts)+4)))
		p.amavisLine(m, apid, child, m.id2)
		reply += m.id2
	}
	delay := m.at - m.arrival
	for i := range m.rcpts {
		p.delivery(m, "postfix/smtp", p.smtp.pick(&p.pc, p.rng), &m.rcpts[i], "127.0.0.1[127.0.0.1]:10024", delay, "2.0.0", "sent", reply)
	}
	if !blocked && !early {
		p.qmgrFrom(m, m.id2, m.size2, len(m.rcpts)) // re-injected: not counted again
	}
	p.done(m)
}

// amavisLine writes amavis's verdict; queuedAs is "" for blocked mail.
func (p *postfix) amavisLine(m *message, pid int64, child, queuedAs string) {
	if !p.line(m.at, "amavis", pid) {
		return
	}
	p.o.strs("(", child, ") ")
	tag := "{RelayedInbound}"
	if m.originating() {
		tag = "{RelayedOutbound}"
	}
	switch m.verdict {
	case verdictSpamBlocked:
		p.o.str("Blocked SPAM {DiscardedInbound,Quarantined}")
	case verdictVirus:
		p.o.str("Blocked INFECTED (Eicar-Test-Signature) {DiscardedInbound,Quarantined}")
	case verdictSpamPassed:
		p.o.str("Passed SPAMMY {RelayedTaggedInbound}")
	default:
		p.o.strs("Passed CLEAN ", tag)
	}
	if m.originating() {
		p.o.str(", ORIGINATING/MYNETS LOCAL")
	}
	p.o.strs(", [", m.clientIP, "]:", itoa(m.port), " [", m.clientIP, "] <", m.from, "> -> ")
	for i := range m.rcpts {
		if i > 0 {
			p.o.str(",")
		}
		p.o.strs("<", m.rcpts[i].addr, ">")
	}
	if queuedAs == "" {
		p.o.strs(", quarantine: spam-", p.sessionID()[:12])
	}
	p.o.strs(", Queue-ID: ", m.id, ", Message-ID: ", m.mid, ", mail_id: ", p.sessionID()[:12], ", Hits: ")
	p.o.str(p.hits(m))
	p.o.str(", size: ")
	p.o.int(m.size - 100)
	if queuedAs != "" {
		p.o.strs(", queued_as: ", queuedAs)
	}
	p.o.str(", ")
	p.o.int(int64(200 + p.rng.IntN(4000)))
	p.o.str(" ms")
	p.o.end()
	p.countBlocked(m)
}

func (p *postfix) hits(m *message) string {
	switch m.verdict {
	case verdictSpamBlocked:
		return "14.2"
	case verdictSpamPassed:
		return "6.364"
	case verdictVirus:
		return "-"
	}
	return "-1.481"
}

// countBlocked counts an amavis block for every listed recipient.
func (p *postfix) countBlocked(m *message) {
	metric := metering.SpamBlocked
	switch m.verdict {
	case verdictSpamBlocked:
	case verdictVirus:
		metric = metering.VirusBlocked
	default:
		return
	}
	for i := range m.rcpts {
		p.t.add(m.rcpts[i].addr, metric, 1)
	}
}

func (p *postfix) notify(m *message, n *message) {
	n.id = p.newID(n.at)
	p.say(m.at, "postfix/bounce", p.bounce.pick(&p.pc, p.rng), m.curID(), ": sender non-delivery notification: ", n.id)
	p.cleanupLine(n, n.id, n.at, p.w.host)
}

func (p *postfix) expire(m *message) {
	if !p.qline(m.at, "postfix/qmgr", p.qmgr, m.curID()) {
		return
	}
	p.o.strs("from=<", m.from, ">, status=expired, returned to sender")
	p.o.end()
	if m.authed() {
		p.t.add(m.sender(), metering.Bounced, int64(m.pending()))
	}
}

func (p *postfix) done(m *message) {
	p.say(m.at, "postfix/qmgr", p.qmgr, m.curID(), ": removed")
}

// qmgrFrom writes the qmgr line that puts a message in the active queue;
// false if it was not written.
func (p *postfix) qmgrFrom(m *message, id string, size int64, nrcpt int) bool {
	if !p.qline(m.at, "postfix/qmgr", p.qmgr, id) {
		return false
	}
	p.o.strs("from=<", m.from, ">, size=")
	p.o.int(size)
	p.o.str(", nrcpt=")
	p.o.int(int64(nrcpt))
	p.o.str(" (queue active)")
	p.o.end()
	return true
}
