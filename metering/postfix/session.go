package postfix

// parseSessionLine parses lines without a queue id: smtpd session events,
// postscreen events, warnings and daemon chatter.
func parseSessionLine(b []byte, r *Record) error {
	if word, rest, ok := verb(b); ok && isLevel(word) {
		r.Kind, r.Text = KindWarning, rest
		return nil
	}
	switch {
	case hasPrefix(b, "connect from "):
		r.Kind, r.Client = KindConnect, b[len("connect from "):]
		return nil
	case hasPrefix(b, "disconnect from "):
		r.Kind, r.Client = KindDisconnect, firstWord(b[len("disconnect from "):])
		r.Text = b[len("disconnect from ")+len(r.Client):]
		return nil
	case hasPrefix(b, "lost connection after "), hasPrefix(b, "timeout after "):
		return parseLost(b, r)
	}
	if isPostscreen(b) {
		r.Kind, r.Text = KindPostscreen, b
		return nil
	}
	if isChatter(b) {
		r.Kind, r.Text = KindInfo, b
		return nil
	}
	// Message parts cut by other tools sometimes lose their queue id.
	if err := parseQueueLine(b, r); err == nil {
		return nil
	}
	*r = Record{}
	return ErrUnrecognized
}

func firstWord(b []byte) []byte {
	for i, c := range b {
		if c == ' ' {
			return b[:i:i]
		}
	}
	return b
}

// parseLost parses "lost connection after STAGE [(N bytes)] from CLIENT".
func parseLost(b []byte, r *Record) error {
	r.Kind = KindLostConnection
	rest := b[index(b, " after ")+len(" after "):]
	r.Stage = firstWord(rest)
	if i := lastIndex(rest, " from "); i >= 0 {
		r.Client = firstWord(rest[i+len(" from "):])
	}
	r.Text = b
	return nil
}

// isPostscreen recognizes postscreen(8) and dnsblog(8) events.
func isPostscreen(b []byte) bool {
	for _, p := range [...]string{
		"CONNECT from ", "PASS NEW ", "PASS OLD ", "PREGREET ", "DNSBL rank ", "HANGUP after ",
		"COMMAND TIME LIMIT ", "COMMAND COUNT LIMIT ", "COMMAND LENGTH LIMIT ", "COMMAND PIPELINING ",
		"NON-SMTP COMMAND ", "BARE NEWLINE ", "WHITELISTED ", "ALLOWLISTED ", "BLACKLISTED ",
		"DENYLISTED ", "WHITELIST VETO ", "ALLOWLIST VETO ", "DISCONNECT ", "DATA without valid RCPT ",
		"BDAT without valid RCPT ", "addr ", "cache ",
	} {
		if hasPrefix(b, p) {
			return true
		}
	}
	return false
}

// isChatter recognizes informational lines that carry nothing to meter.
func isChatter(b []byte) bool {
	for _, p := range [...]string{
		"setting up TLS connection", "TLS connection established", "Anonymous TLS connection", "Trusted TLS connection",
		"Verified TLS connection", "Untrusted TLS connection", "SSL_accept error", "SSL_connect error",
		"TLS library problem", "statistics: ", "daemon started", "reload ", "starting the Postfix",
		"stopping the Postfix", "refreshing the Postfix", "terminating on signal", "improper command pipelining",
		"too many errors after", "connect to ", "Host offered STARTTLS", "mapping DSN status",
		"table ", "Postfix is ", "using backwards-compatible", "Compiled against", "Run-time",
		"Connection rate limit exceeded", "Connection concurrency limit exceeded",
		"Message delivery request rate limit exceeded", "New TLS session rate limit exceeded",
		"Recipient address rate limit exceeded", "message repeated", "last message repeated",
		"Illegal address syntax", "NOQUEUE: client=", "server certificate",
		"client certificate", "certificate verification", "Server certificate", "Anonymous TLS",
		"Deleted: ", "Requeued: ", "Placed on hold: ", "Released from hold: ",
		"postsuper: ", "bare <LF> received", "discarding EHLO keywords", "getpeername: ",
	} {
		if hasPrefix(b, p) {
			return true
		}
	}
	return false
}
