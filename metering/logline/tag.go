package logline

import "bytes"

// token returns the bytes up to the first space and the remainder.
func token(b []byte) (tok, rest []byte) {
	if i := bytes.IndexByte(b, ' '); i >= 0 {
		return b[:i], b[i:]
	}
	return b, nil
}

func skipSpaces(b []byte) []byte {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	return b
}

func skipOneSpace(b []byte) []byte {
	if len(b) > 0 && b[0] == ' ' {
		return b[1:]
	}
	return b
}

func indexByte(b []byte, c byte) int { return bytes.IndexByte(b, c) }

func hasSpace(b []byte) bool { return indexByte(b, ' ') >= 0 }

// splitTag recognizes a syslog tag "name:" or "name[pid]:" where name is
// made of letters, digits and "._/-". It returns the name and the pid.
func splitTag(tok []byte) (name []byte, pid int, ok bool) {
	if len(tok) < 2 || tok[len(tok)-1] != ':' {
		return nil, 0, false
	}
	tok = tok[:len(tok)-1]
	if tok[len(tok)-1] == ']' {
		open := indexByte(tok, '[')
		if open <= 0 {
			return nil, 0, false
		}
		digits := tok[open+1 : len(tok)-1]
		n, ok := Atoi(digits)
		if !ok || len(digits) > 9 {
			return nil, 0, false
		}
		tok, pid = tok[:open], int(n)
	}
	for _, c := range tok {
		if !isNameByte(c) {
			return nil, 0, false
		}
	}
	return tok, pid, true
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '/' || c == '-'
}

// isHost reports whether tok looks like a host name or an IP address.
func isHost(tok []byte) bool {
	if len(tok) == 0 || tok[len(tok)-1] == ':' {
		return false
	}
	for _, c := range tok {
		if !isNameByte(c) && c != ':' || c == '/' {
			return false
		}
	}
	return true
}

// userTag recognizes "name(…)…:" and returns name.
func userTag(tok []byte) ([]byte, bool) {
	if len(tok) < 4 || tok[len(tok)-1] != ':' {
		return nil, false
	}
	open := indexByte(tok, '(')
	if open <= 0 {
		return nil, false
	}
	for _, c := range tok[:open] {
		if !isNameByte(c) || c == '/' {
			return nil, false
		}
	}
	return tok[:open], true
}
