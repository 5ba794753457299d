package exim

import "bytes"

// textKinds maps the openings of lines without fields to their kind. It is
// a read-only table.
var textKinds = [...]struct {
	prefix string
	kind   Kind
}{
	{"SMTP connection ", KindConnection},
	{"no MAIL in SMTP connection ", KindConnection},
	{"SMTP call from ", KindConnection},
	{"unexpected disconnection ", KindConnection},
	{"SMTP data timeout ", KindConnection},
	{"SMTP command timeout ", KindConnection},
	{"SMTP incomplete transaction ", KindConnection},
	{"incomplete transaction ", KindConnection},
	{"Connection from ", KindConnection},
	{"TLS error on connection ", KindConnection},
	{"SMTP protocol ", KindProtocolError},
	{"SMTP syntax error ", KindProtocolError},
	{"SMTP command ", KindProtocolError},
	{"no host name found ", KindLookup},
	{"no IP address found ", KindLookup},
	{"host name alias list ", KindLookup},
	{"Warning: ", KindWarning},
	{"DKIM: ", KindNote},
	{"SPF ", KindNote},
	{"DMARC ", KindNote},
	{"Start queue run", KindNote},
	{"End queue run", KindNote},
	{"Spool file ", KindNote},
	{"Message is frozen", KindNote},
	{"Frozen", KindNote},
	{"Unfrozen", KindNote},
	{"removed by ", KindNote},
	{"cancelled by ", KindNote},
	{"exim ", KindNote},
	{"daemon ", KindNote},
	{"Received from ", KindNote},
	{"Message ", KindNote},
	{"msglog ", KindNote},
	{"Delivery ", KindNote},
	{"retry ", KindNote},
	{"no immediate delivery", KindNote},
	{"Remote host ", KindHostError},
	{"Connection refused", KindHostError},
	{"Connection timed out", KindHostError},
}

// text classifies a line that starts with neither a flag nor a field.
func (p *Parser) text(b []byte, r *Record) {
	for _, t := range textKinds {
		if hasPrefix(b, t.prefix) {
			r.Kind = t.kind
			if t.kind == KindConnection {
				connection(b, r)
			}
			return
		}
	}
	if i := bytes.Index(b, []byte(" authenticator failed for ")); i > 0 && indexByte(b[:i], ' ') < 0 {
		p.authFailure(b[:i], b[i+len(" authenticator failed for "):], r)
	}
}

// connection reads D= and C= from connection lines.
func connection(b []byte, r *Record) {
	if v := wordValue(b, "D="); v != nil {
		r.Duration = parseDuration(v)
	}
	if v := wordValue(b, "C="); len(v) > 0 && v[0] != '"' {
		r.Confirmation = v
	}
}

// wordValue returns the value of the first " KEY=value" word in b, or nil.
func wordValue(b []byte, key string) []byte {
	for off := 0; off < len(b); {
		i := bytes.Index(b[off:], []byte(key))
		if i < 0 {
			return nil
		}
		i += off
		if i > 0 && b[i-1] == ' ' {
			v, _ := token(b[i+len(key):])
			return v
		}
		off = i + len(key)
	}
	return nil
}

// authFailure reads "NAME authenticator failed for HOST: 535 … (set_id=ID)".
func (p *Parser) authFailure(name, b []byte, r *Record) {
	r.Kind = KindAuthFailure
	r.AuthName = name
	rest, end := p.host(b, r, modeReasoned)
	if !end {
		if i := bytes.Index(rest, []byte(": ")); i >= 0 {
			r.Reason = trimSpaces(rest[i+2:])
		}
	}
	if i := bytes.Index(b, []byte("(set_id=")); i >= 0 {
		id := b[i+len("(set_id="):]
		if j := bytes.LastIndexByte(id, ')'); j >= 0 {
			r.AuthID = id[:j]
		}
	}
}

// spam parses sa-exim's "Action: ACTION: score=… From <x> (host=…) for RCPTS".
func spam(b []byte, r *Record) {
	r.Kind = KindSpam
	if !hasPrefix(b, "Action: ") {
		r.Reason = b
		return
	}
	b = b[len("Action: "):]
	end := indexByte(b, ':')
	if end < 0 {
		r.Reason = trimSpaces(b)
		return
	}
	r.Reason = b[:end]
	if i := bytes.Index(b, []byte("From <")); i >= 0 {
		r.From, _ = bracketed(b[i+5:])
	}
	if i := bytes.LastIndex(b, []byte(" for ")); i >= 0 {
		r.Recipients = trimSpaces(b[i+5:])
	}
}
