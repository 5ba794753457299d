package exim

import "github.com/mailmeter/mailmeter/metering/logline"

// host reads an H= clause: "name", "(helo) [ip]", "name (helo) [ip]:port",
// "[ip]:port*" and the like, ending at its "[ip]" token. It fills Host,
// HostName, HostIP, HostPort and HostReused and returns the rest; end
// reports that a ':' right after the clause started a reason.
func (p *Parser) host(b []byte, r *Record, m mode) (rest []byte, end bool) {
	start := b
	for i := 0; i < 3 && len(b) > 0; i++ {
		if i > 0 {
			next := skipSpaces(b)
			if len(next) == 0 || (next[0] != '(' && next[0] != '[') {
				break
			}
			b = next
		}
		switch b[0] {
		case '[':
			tok, _ := token(b)
			r.Host = start[:len(start)-len(b)+len(tok)]
			for len(r.Host) > 0 && r.Host[len(r.Host)-1] == ':' {
				r.Host = r.Host[:len(r.Host)-1]
			}
			return p.hostIP(b, r, m)
		case '(':
			b = afterParen(b)
		default:
			var tok []byte
			tok, b = token(b)
			if m >= modeReasoned && len(tok) > 0 && tok[len(tok)-1] == ':' {
				r.HostName = tok[:len(tok)-1]
				r.Host = r.HostName
				r.Reason = trimSpaces(b)
				return nil, true
			}
			r.HostName = tok
		}
	}
	r.Host = trimSpaces(start[:len(start)-len(b)])
	return b, false
}

// afterParen skips "(…)" (which may hold spaces) and returns the rest.
func afterParen(b []byte) []byte {
	if i := indexByte(b, ')'); i > 0 {
		return b[i+1:]
	}
	_, rest := token(b)
	return rest
}

// hostIP reads "[ip]", "[ip]:port", "[ip]*", "[ip]:port*", and the
// published malformation "[ip:" (no closing bracket).
func (p *Parser) hostIP(b []byte, r *Record, m mode) (rest []byte, end bool) {
	tok, rest := token(b)
	close := indexByte(tok, ']')
	if close < 0 {
		ip := tok[1:]
		if len(ip) > 0 && ip[len(ip)-1] == ':' {
			r.HostIP = ip[:len(ip)-1]
			if m >= modeReasoned {
				r.Reason = trimSpaces(rest)
				return nil, true
			}
			return rest, false
		}
		r.HostIP = ip
		return rest, false
	}
	r.HostIP = tok[1:close]
	after := tok[close+1:]
	if len(after) > 0 && after[len(after)-1] == '*' {
		r.HostReused = true
		after = after[:len(after)-1]
	}
	if len(after) == 1 && after[0] == ':' {
		if m >= modeReasoned {
			r.Reason = trimSpaces(rest)
			return nil, true
		}
		return rest, false
	}
	if len(after) > 1 && after[0] == ':' {
		port := after[1:]
		if port[len(port)-1] == ':' && m >= modeReasoned {
			port = port[:len(port)-1]
			if n, ok := logline.Atoi(port); ok && n < 1<<16 {
				r.HostPort = int(n)
			}
			r.Reason = trimSpaces(rest)
			return nil, true
		}
		if n, ok := logline.Atoi(port); ok && n < 1<<16 {
			r.HostPort = int(n)
		}
	}
	return rest, false
}
