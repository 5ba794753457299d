package postfix

// parseDelivery parses "to=<r>, [orig_to=<a>,] relay=R, [conn_use=N,]
// delay=D, [delays=a/b/c/d,] [tls=…,] [dsn=X,] status=S (text)" and
// tolerates junk after the closing parenthesis.
func parseDelivery(b []byte, r *Record) error {
	r.Kind = KindDelivery
	for rest := b; len(rest) > 0; rest = skipSep(rest) {
		k, after, ok := key(rest)
		if !ok {
			return ErrDelivery
		}
		if string(k) == "status" {
			return parseStatus(after, r)
		}
		var v []byte
		v, rest = value(after, ',')
		switch string(k) {
		case "to":
			r.To = v
		case "orig_to":
			r.OrigTo = v
		case "relay":
			r.Relay = v
		case "delay":
			r.Delay, _ = seconds(v)
		case "delays":
			r.Delays = v
		case "dsn":
			r.DSN = v
		}
	}
	return ErrDelivery
}

// parseStatus reads "S (text)" after "status=".
func parseStatus(b []byte, r *Record) error {
	if r.To == nil {
		return ErrDelivery
	}
	n := 0
	for n < len(b) && b[n] != ' ' && b[n] != ',' {
		n++
	}
	r.StatusWord, r.Status = b[:n:n], statusOf(b[:n])
	rest := b[n:]
	for len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	r.Text = parenText(rest)
	r.QueuedAs = queuedAs(r.Text)
	return nil
}

func statusOf(w []byte) Status {
	switch string(w) {
	case "sent":
		return StatusSent
	case "bounced":
		return StatusBounced
	case "deferred":
		return StatusDeferred
	case "expired", "force-expired":
		return StatusExpired
	case "deliverable":
		return StatusDeliverable
	case "undeliverable", "undeliverable-but-not-cached":
		return StatusUndeliverable
	}
	return StatusOther
}
