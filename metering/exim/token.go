package exim

import "bytes"

// token returns b up to the first space and the rest, starting at that space.
// A plain loop beats bytes.IndexByte on the short tokens of a log line.
func token(b []byte) (tok, rest []byte) {
	for i, c := range b {
		if c == ' ' {
			return b[:i], b[i:]
		}
	}
	return b, nil
}

// quotedToken is token, but a double-quoted section (with backslash
// escapes) does not end at a space: "name with spaces"@test.ex is one token.
func quotedToken(b []byte) (tok, rest []byte) {
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case ' ':
			return b[:i], b[i:]
		case '"':
			i = closingQuote(b, i)
		}
	}
	return b, nil
}

// closingQuote returns the index of the quote closing the one at b[open],
// or len(b)-1 when it is never closed.
func closingQuote(b []byte, open int) int {
	for i := open + 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(b) - 1
}

func skipSpaces(b []byte) []byte {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	return b
}

func trimSpaces(b []byte) []byte {
	b = skipSpaces(b)
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func hasPrefix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[:len(s)]) == s
}

func indexByte(b []byte, c byte) int { return bytes.IndexByte(b, c) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool {
	return c-'0' < 10 || (c|0x20)-'a' < 26
}

// bracketed reads "<…>" at b[0] and returns the inside and the rest after
// '>'. An unclosed bracket takes the rest of the token.
func bracketed(b []byte) (inside, rest []byte) {
	if i := bytes.IndexByte(b, '>'); i >= 0 {
		return b[1:i], b[i+1:]
	}
	tok, rest := token(b)
	return tok[1:], rest
}

// quoted reads "\"…\"" at b[0] and returns the raw inside and the rest.
func quoted(b []byte) (inside, rest []byte) {
	end := closingQuote(b, 0)
	if end <= 0 {
		return nil, b[1:]
	}
	if b[end] != '"' || end == 0 {
		return b[1:], nil
	}
	return b[1:end], b[end+1:]
}

// isMessageID reports whether b is an Exim message id: 6-6-2 (classic,
// 16 characters) up to 6-11-4 (Exim ≥ 4.97, 23 characters) alphanumerics.
func isMessageID(b []byte) bool {
	n := len(b)
	if n < 16 || n > 23 || b[6] != '-' {
		return false
	}
	second := 0
	for i, c := range b {
		switch {
		case isAlnum(c):
		case c == '-' && i == 6:
		case c == '-' && second == 0:
			second = i
		default:
			return false
		}
	}
	mid, tail := second-7, n-second-1
	return mid >= 6 && mid <= 11 && tail >= 2 && tail <= 4
}
