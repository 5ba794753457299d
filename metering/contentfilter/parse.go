package contentfilter

import "bytes"

// ParseLine parses the message part of a content-filter log line (what
// follows "amavis[pid]: ", "rspamd[pid]: ", "spamd[pid]: " or
// "clamav-milter[pid]: "), recognizing the filter from the line's shape.
// It returns ErrNotVerdict for the filter's other lines (connections,
// timing, warnings) and ErrUnknown for lines of no known filter.
func ParseLine(msg []byte) (Verdict, error) {
	switch {
	case isAmavis(msg):
		return ParseAmavis(msg)
	case hasPrefix(msg, "spamd: ") || hasPrefix(msg, "prefork: "):
		return ParseSpamd(msg)
	case hasPrefix(msg, "Message from ") || hasPrefix(msg, "ClamAV"):
		return ParseClamAV(msg)
	case bytes.Contains(msg, []byte("(default: ")) || bytes.Contains(msg, []byte("; task; ")):
		return ParseRspamd(msg)
	}
	return Verdict{}, ErrUnknown
}

// isAmavis recognizes amavis's "(12345-01) " log prefix or a verdict word.
func isAmavis(b []byte) bool {
	if len(b) > 2 && b[0] == '(' {
		if i := bytes.IndexByte(b, ')'); i > 1 && bytes.IndexByte(b[1:i], '-') > 0 {
			return true
		}
	}
	return hasPrefix(b, "Passed") || hasPrefix(b, "Blocked")
}

func hasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}

func index(b []byte, s string) int {
	return bytes.Index(b, []byte(s))
}

// word returns b up to the first byte in stops, and the rest.
func word(b []byte, stops string) (w, rest []byte) {
	for i, c := range b {
		for j := 0; j < len(stops); j++ {
			if c == stops[j] {
				return b[:i:i], b[i:]
			}
		}
	}
	return b, nil
}

// paren returns the balanced "(…)" contents at the start of b and the rest.
func paren(b []byte) (in, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '(' {
		return nil, b, false
	}
	depth := 0
	for i, c := range b {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return b[1:i:i], b[i+1:], true
			}
		}
	}
	return nil, b, false
}

func trimAngle(b []byte) []byte {
	if len(b) >= 2 && b[0] == '<' && b[len(b)-1] == '>' {
		return b[1 : len(b)-1 : len(b)-1]
	}
	return b
}
