package exim

import "bytes"

// classify sets r.Kind and the fields of the message text b.
func (p *Parser) classify(b []byte, r *Record) {
	if len(b) >= 2 && (len(b) == 2 || b[2] == ' ') {
		if k := flagKind(b[0], b[1]); k != KindUnknown {
			r.Kind, r.FakeReject = k, b[0] == '('
			p.flagged(b[2:], r)
			return
		}
	}
	switch {
	case hasPrefix(b, "Completed") && (len(b) == 9 || b[9] == ' '):
		r.Kind = KindCompleted
		p.fields(b[9:], r, modeDelivery)
	case keyLen(b) > 0:
		p.session(b, r)
	case hasPrefix(b, "rejected ") || hasPrefix(b, "temporarily rejected ") || hasPrefix(b, "tmp-reject "):
		p.reject(b, r)
	case hasPrefix(b, "SA: "):
		spam(b[4:], r)
	default:
		p.text(b, r)
	}
}

func flagKind(a, b byte) Kind {
	switch string([]byte{a, b}) {
	case "<=", "(=": // "(=": accepted, but the client was told it was rejected (fakereject)
		return KindArrival
	case "=>":
		return KindDelivery
	case "->":
		return KindAdditional
	case "*>":
		return KindSuppressed
	case ">>":
		return KindCutthrough
	case "**":
		return KindFailure
	case "==":
		return KindDeferral
	}
	return KindUnknown
}

// flagged parses what follows a flag: the address part, then the fields.
func (p *Parser) flagged(b []byte, r *Record) {
	b = skipSpaces(b)
	if r.Kind == KindArrival {
		tok, rest := quotedToken(b)
		if string(tok) == "<>" {
			tok = tok[1:1]
		}
		r.Address = tok
		p.fields(rest, r, modeArrival)
		return
	}
	m := modeDelivery
	switch r.Kind {
	case KindFailure:
		m = modeReasoned
	case KindDeferral:
		m = modeDeferral
	}
	rest, end := p.addresses(b, r, m)
	if !end {
		p.fields(rest, r, m)
	}
}

// addresses reads a delivery's "address [<original>] [(parent)…]". The
// address may be a pipe command with spaces and quotes.
func (p *Parser) addresses(b []byte, r *Record, m mode) (rest []byte, end bool) {
	tok, rest := quotedToken(b)
	if len(tok) > 0 && tok[0] == '|' {
		for {
			next := skipSpaces(rest)
			if len(next) == 0 || next[0] == '<' || keyLen(next) > 0 {
				break
			}
			_, rest = quotedToken(next)
		}
		tok = trimSpaces(b[:len(b)-len(rest)])
	}
	if m >= modeReasoned && len(tok) > 1 && tok[len(tok)-1] == ':' {
		r.Address = tok[:len(tok)-1]
		r.Reason = trimSpaces(rest)
		return nil, true
	}
	r.Address = tok
	if next := skipSpaces(rest); len(next) > 0 && next[0] == '<' {
		r.Original, rest = bracketed(next)
		if len(rest) > 0 && rest[0] == ':' && m >= modeReasoned {
			r.Reason = trimSpaces(rest[1:])
			return nil, true
		}
	}
	for {
		next := skipSpaces(rest)
		if len(next) == 0 || next[0] != '(' {
			return rest, false
		}
		close := indexByte(next, ')')
		if close < 0 {
			return rest, false
		}
		if in := next[1:close]; r.Parent == nil && indexByte(in, ' ') < 0 {
			r.Parent = in
		}
		rest = next[close+1:]
	}
}

// session parses a line that starts with fields: "H=… F=<…> rejected RCPT
// <…>: …", "H=… sender verify fail for <…>", "<id> H=… Connection refused".
func (p *Parser) session(b []byte, r *Record) {
	verb := sessionVerb(b)
	p.fields(b[:len(b)-len(verb)], r, modeDelivery)
	switch {
	case len(verb) == 0:
		if r.ID != nil && r.Host != nil {
			r.Kind = KindHostError
		}
	case hasPrefix(verb, "rejected ") || hasPrefix(verb, "temporarily rejected ") ||
		hasPrefix(verb, "tmp-reject "):
		p.reject(verb, r)
	case hasPrefix(verb, "sender verify ") || hasPrefix(verb, "recipient verify ") ||
		hasPrefix(verb, "verify "):
		r.Kind = KindVerify
		r.Reason = verb
	case hasPrefix(verb, "RCPT "):
		r.Kind = KindDiscard
		addr := skipSpaces(verb[5:])
		if len(addr) > 0 && addr[0] == '<' {
			r.Address, addr = bracketed(addr)
		}
		r.Reason = trimSpaces(bytes.TrimPrefix(addr, []byte(":")))
	case hasPrefix(verb, "Warning: "):
		r.Kind = KindWarning
		r.Reason = verb[9:]
	case hasPrefix(verb, "dropped"):
		r.Kind = KindConnection
		r.Reason = verb
	default:
		r.Reason = verb
		if r.ID != nil && r.Host != nil {
			r.Kind = KindHostError
		}
	}
}

// sessionVerb returns the text of b from its first word that is neither a
// field nor a bare word of a field list, or nil.
func sessionVerb(b []byte) []byte {
	for i := 0; i < len(b); {
		for _, w := range sessionWords {
			if b[i] == w[0] && hasPrefix(b[i:], w) {
				return b[i:]
			}
		}
		j := indexByte(b[i:], ' ')
		if j < 0 {
			break
		}
		i += j + 1
	}
	var probe Parser
	var r Record
	rest := b
	for len(rest) > 0 {
		rest = skipSpaces(rest)
		k := keyLen(rest)
		if k == 0 {
			return rest
		}
		rest, _ = probe.field(rest[:k], rest[k+1:], &r, modeDelivery)
	}
	return nil
}

// sessionWords start the verb of a field-led line wherever they appear. It
// is a read-only table.
var sessionWords = [...]string{
	"rejected ", "temporarily rejected ", "tmp-reject ", "sender verify ",
	"recipient verify ", "Warning: ", "dropped by ", "dropped: ",
}

// reject parses "[temporarily ]rejected …" and fields that follow it.
func (p *Parser) reject(b []byte, r *Record) {
	r.Kind = KindReject
	switch {
	case hasPrefix(b, "temporarily "):
		r.Temporary = true
		b = b[len("temporarily "):]
	case hasPrefix(b, "tmp-reject "):
		r.Temporary = true
		r.Reason = trimSpaces(b[len("tmp-reject "):])
		return
	}
	b = b[len("rejected "):]
	switch {
	case hasPrefix(b, "RCPT "):
		r.Kind = KindRejectRCPT
		b = p.rejectAddress(skipSpaces(b[5:]), r)
		p.fields(b, r, modeReasoned)
	case hasPrefix(b, "after DATA"):
		r.Kind = KindRejectData
		p.fields(b[len("after DATA"):], r, modeReasoned)
	case hasPrefix(b, "MAIL FROM:") || hasPrefix(b, "MAIL "):
		r.Kind = KindRejectMail
		b = bytes.TrimPrefix(b, []byte("MAIL "))
		b = bytes.TrimPrefix(b, []byte("FROM:"))
		b = p.rejectAddress(skipSpaces(b), r)
		p.fields(b, r, modeReasoned)
	case hasPrefix(b, "from <"):
		b = p.rejectAddress(b[5:], r)
		p.fields(b, r, modeReasoned)
	default:
		r.Reason = trimSpaces(b)
	}
}

// rejectAddress reads "<addr>" or a bare "addr:" and returns the rest.
func (p *Parser) rejectAddress(b []byte, r *Record) []byte {
	if len(b) > 0 && b[0] == '<' {
		var rest []byte
		r.Address, rest = bracketed(b)
		return rest
	}
	tok, rest := token(b)
	if len(tok) > 0 && tok[len(tok)-1] == ':' {
		r.Address = tok[:len(tok)-1]
		return b[len(tok)-1:] // from the ':', so the reason follows
	}
	r.Address = tok
	return rest
}
