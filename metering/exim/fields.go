package exim

import (
	"bytes"
	"time"

	"github.com/mailmeter/mailmeter/metering/logline"
)

// mode tells the field scanner what bare words mean on a line.
type mode uint8

const (
	modeArrival  mode = iota // "for a b c", "from <x>" end or extend the fields
	modeDelivery             // bare words (K, L*, PRDR, "(mailbox …)") are skipped
	modeReasoned             // "**", rejects: a token ending in ':' starts the reason
	modeDeferral             // "==": as modeReasoned, and "defer (n): …" is the reason
)

// keyLen returns the length of a field key when b starts with "KEY=":
// letters and digits, at most 6, then '='. It returns 0 otherwise.
func keyLen(b []byte) int {
	for i := 0; i < len(b) && i <= 6; i++ {
		c := b[i]
		if c == '=' {
			return i
		}
		if !isAlnum(c) {
			return 0
		}
	}
	return 0
}

// fields scans "KEY=value" fields and bare words into r until the end of
// b, or until a reason starts (modes reasoned and deferral).
func (p *Parser) fields(b []byte, r *Record, m mode) {
	for {
		b = skipSpaces(b)
		if len(b) == 0 {
			return
		}
		if b[0] == ':' && m >= modeReasoned {
			r.Reason = trimSpaces(b[1:])
			return
		}
		var end bool
		if k := keyLen(b); k > 0 {
			b, end = p.field(b[:k], b[k+1:], r, m)
		} else {
			b, end = p.bareWord(b, r, m)
		}
		if end {
			return
		}
	}
}

// bareWord handles a token that is not a field and returns the rest; end
// reports that the scan is over.
func (p *Parser) bareWord(b []byte, r *Record, m mode) (rest []byte, end bool) {
	tok, rest := quotedToken(b)
	switch {
	case m == modeArrival && string(tok) == "for":
		r.Recipients = trimSpaces(rest)
		return nil, true
	case m == modeArrival && string(tok) == "from":
		if v := skipSpaces(rest); len(v) > 0 && v[0] == '<' {
			r.From, rest = bracketed(v)
		}
	case m == modeDeferral && string(tok) == "defer":
		// "defer (errno): reason", or "defer (errno) H=…: reason".
		errno, after := token(skipSpaces(rest))
		if len(errno) > 0 && errno[len(errno)-1] == ':' {
			r.Reason = trimSpaces(after)
			return nil, true
		}
		if len(errno) == 0 || errno[0] != '(' {
			r.Reason = trimSpaces(rest)
			return nil, true
		}
		return after, false
	case m >= modeReasoned && len(tok) > 0 && tok[len(tok)-1] == ':':
		r.Reason = trimSpaces(rest)
		return nil, true
	case len(tok) > 0 && tok[0] == '(' && tok[len(tok)-1] != ')':
		// "(mailbox … links)": a remark with spaces; skip it whole.
		if i := indexByte(b, ')'); i > 0 {
			return b[i+1:], false
		}
	}
	return rest, false
}

// field stores one "KEY=value" field and returns the rest of the line; end
// reports that a reason started after the value.
func (p *Parser) field(key, b []byte, r *Record, m mode) (rest []byte, end bool) {
	if len(key) == 1 {
		if rest, end, ok := p.letterField(key[0], b, r, m); ok {
			return rest, end
		}
	}
	switch string(key) {
	case "QT":
		return p.durationValue(b, &r.QueueTime, r, m)
	case "DT":
		return p.durationValue(b, &r.DeliveryTime, r, m)
	case "RT":
		return p.durationValue(b, &r.ReceiveTime, r, m)
	case "id":
		return p.plainValue(b, &r.MessageID, r, m)
	}
	var skip []byte
	if len(b) > 0 && b[0] == '"' {
		return p.quotedValue(b, &skip, r, m)
	}
	return p.plainValue(b, &skip, r, m)
}

// letterField stores the one-letter fields; ok is false for letters it
// does not store (X, K, Q, L …).
func (p *Parser) letterField(key byte, b []byte, r *Record, m mode) (rest []byte, end, ok bool) {
	quotedNext := len(b) > 0 && b[0] == '"'
	switch key {
	case 'H':
		rest, end = p.host(b, r, m)
	case 'F':
		rest, end = p.addressValue(b, &r.Sender, r, m)
	case 'P':
		if len(b) > 0 && b[0] == '<' {
			rest, end = p.addressValue(b, &r.ReturnPath, r, m)
		} else {
			rest, end = p.plainValue(b, &r.Protocol, r, m)
		}
	case 'T':
		if quotedNext {
			rest, end = p.quotedValue(b, &r.Subject, r, m)
		} else {
			rest, end = p.plainValue(b, &r.Transport, r, m)
		}
	case 'C':
		if !quotedNext {
			rest, end = p.plainValue(b, &r.Confirmation, r, m)
			break
		}
		rest, end = p.quotedValue(b, &r.Confirmation, r, m)
		r.QueuedAs = queuedAs(r.Confirmation)
	case 'S':
		var v []byte
		rest, end = p.plainValue(b, &v, r, m)
		if n, ok := logline.Atoi(v); ok {
			r.Size = n
		}
	case 'A':
		rest, end = p.plainValue(b, &r.AuthName, r, m)
		r.HasAuth = true
		r.AuthName, r.AuthID = splitAuth(r.AuthName)
	case 'U':
		rest, end = p.plainValue(b, &r.User, r, m)
	case 'I':
		rest, end = p.plainValue(b, &r.Interface, r, m)
	case 'R':
		rest, end = p.plainValue(b, &r.Router, r, m)
	case 'D':
		rest, end = p.durationValue(b, &r.Duration, r, m)
	default:
		return b, false, false
	}
	return rest, end, true
}

// plainValue reads a value up to the next space. In reasoned modes a
// trailing ':' ends the fields and starts the reason.
func (p *Parser) plainValue(b []byte, dst *[]byte, r *Record, m mode) ([]byte, bool) {
	v, rest := token(b)
	if m >= modeReasoned && len(v) > 0 && v[len(v)-1] == ':' {
		*dst = v[:len(v)-1]
		r.Reason = trimSpaces(rest)
		return nil, true
	}
	*dst = v
	return rest, false
}

func (p *Parser) quotedValue(b []byte, dst *[]byte, r *Record, m mode) ([]byte, bool) {
	v, rest := quoted(b)
	*dst = v
	return p.afterValue(rest, r, m)
}

func (p *Parser) addressValue(b []byte, dst *[]byte, r *Record, m mode) ([]byte, bool) {
	if len(b) == 0 || b[0] != '<' {
		return p.plainValue(b, dst, r, m)
	}
	v, rest := bracketed(b)
	*dst = v
	return p.afterValue(rest, r, m)
}

// afterValue handles what directly follows a closing quote or bracket:
// ':' starts the reason in reasoned modes; other glued bytes are skipped.
func (p *Parser) afterValue(rest []byte, r *Record, m mode) ([]byte, bool) {
	if len(rest) > 0 && rest[0] == ':' && m >= modeReasoned {
		r.Reason = trimSpaces(rest[1:])
		return nil, true
	}
	if len(rest) > 0 && rest[0] != ' ' {
		_, rest = token(rest)
	}
	return rest, false
}

func (p *Parser) durationValue(b []byte, dst *time.Duration, r *Record, m mode) ([]byte, bool) {
	var v []byte
	rest, end := p.plainValue(b, &v, r, m)
	*dst = parseDuration(v)
	return rest, end
}

// splitAuth splits "name:id[:sender]" into name and id.
func splitAuth(v []byte) (name, id []byte) {
	i := indexByte(v, ':')
	if i < 0 {
		return v, nil
	}
	name, id = v[:i], v[i+1:]
	if j := indexByte(id, ':'); j >= 0 {
		id = id[:j]
	}
	return name, id
}

// queuedAs finds the id a receiving server gave the message in its reply:
// "queued as X" (Postfix, amavis, most MTAs) or Exim's own "id=X".
func queuedAs(c []byte) []byte {
	if i := bytes.Index(c, []byte("queued as ")); i >= 0 {
		v, _ := token(c[i+len("queued as "):])
		for len(v) > 0 && !isAlnum(v[len(v)-1]) {
			v = v[:len(v)-1]
		}
		if len(v) > 0 {
			return v
		}
	}
	for b := c; ; {
		i := bytes.Index(b, []byte("id="))
		if i < 0 {
			return nil
		}
		v, _ := token(b[i+3:])
		for len(v) > 16 && !isAlnum(v[len(v)-1]) {
			v = v[:len(v)-1]
		}
		if (i == 0 || b[i-1] == ' ') && isMessageID(v) {
			return v
		}
		b = b[i+3:]
	}
}
