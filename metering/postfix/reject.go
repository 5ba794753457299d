package postfix

// parseReject parses what follows "reject: " (or another action verb):
//
//	STAGE from CLIENT: TEXT; from=<s> to=<r> proto=P helo=<h> [sasl_username=<u>]
//	RCPT from [ip]:port: TEXT; from=<s>, to=<r>, proto=P, helo=<h>   (postscreen)
//	header NAME: VALUE from CLIENT; from=<s> to=<r> proto=P helo=<h>[: TEXT]
//	END-OF-MESSAGE: TEXT; from=<s> to=<r> proto=P helo=<h>           (proxy)
func parseReject(a Action, b []byte, r *Record) error {
	r.Kind, r.Action = KindReject, a
	n := 0
	for n < len(b) && b[n] != ' ' && b[n] != ':' {
		n++
	}
	if n == 0 {
		return ErrReject
	}
	r.Stage = b[:n:n]
	head, fields := b, []byte(nil)
	if i := lastIndex(b, "; from="); i >= 0 {
		head, fields = b[:i], b[i+2:]
	} else if i := lastIndex(b, "; to="); i >= 0 {
		head, fields = b[:i], b[i+2:]
	}
	if n > len(head) {
		n = len(head)
		r.Stage = head
	}
	rejectText(head[n:], r)
	r.Temporary = isTemporary(r.Text)
	if a == ActionProxyAccept {
		r.QueuedAs = queuedAs(r.Text)
	}
	return rejectFields(fields, r)
}

// rejectText reads " from CLIENT: TEXT" or ": TEXT" or " NAME: VALUE from CLIENT".
func rejectText(b []byte, r *Record) {
	if rest, ok := cut(b, " from "); ok {
		if i := index(rest, ": "); i >= 0 {
			r.Client, r.Text = rest[:i:i], rest[i+2:]
			return
		}
		r.Client = rest
		return
	}
	if rest, ok := cut(b, ": "); ok {
		r.Text = rest
		return
	}
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	if i := lastIndex(b, " from "); i >= 0 {
		r.Client, b = b[i+len(" from "):], b[:i]
	}
	r.Text = b
}

// rejectFields reads the from= to= proto= helo= sasl_username= list,
// space- or comma-separated.
func rejectFields(b []byte, r *Record) error {
	for b = skipSep(b); len(b) > 0; b = skipSep(b) {
		k, after, ok := key(b)
		if !ok {
			if b[0] == ':' { // header/body checks: "helo=<h>: TEXT"
				r.Text = skipSep(b[1:])
			}
			return nil
		}
		var v []byte
		v, b = value(after, ' ')
		if v == nil {
			v = after[:0]
		}
		switch string(k) {
		case "from":
			r.From = v
		case "to":
			r.To = v
		case "proto":
			r.Proto = v
		case "helo":
			r.Helo = v
		case "sasl_username":
			r.SASLUsername = v
		}
	}
	return nil
}

// isTemporary reports whether a reject's reply text starts with a 4xx code
// ("450 4.1.1 …") or a 4.x.x enhanced status ("4.7.1 Try again later").
func isTemporary(text []byte) bool {
	return len(text) >= 2 && text[0] == '4' && (text[1] == '.' || text[1] >= '0' && text[1] <= '9')
}
