package postfix

import (
	"bytes"
	"time"
)

// hasPrefix is bytes.HasPrefix for a string prefix, without conversion.
func hasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}

// cut returns b after prefix p, and whether p was there.
func cut(b []byte, p string) ([]byte, bool) {
	if hasPrefix(b, p) {
		return b[len(p):], true
	}
	return b, false
}

// index is bytes.Index for a string needle.
func index(b []byte, s string) int {
	if len(s) == 0 {
		return 0
	}
	for i := 0; i+len(s) <= len(b); {
		j := bytes.IndexByte(b[i:], s[0])
		if j < 0 || i+j+len(s) > len(b) {
			return -1
		}
		i += j
		if string(b[i:i+len(s)]) == s {
			return i
		}
		i++
	}
	return -1
}

// lastIndex is bytes.LastIndex for a string needle.
func lastIndex(b []byte, s string) int {
	for i := len(b) - len(s); i >= 0; i-- {
		if b[i] == s[0] && string(b[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}

// isSep reports whether c may follow a bracketed address value.
func isSep(c byte) bool { return c == ' ' || c == ',' || c == ';' || c == ':' }

// value reads one field value at the start of b and returns it and the
// rest. A value in angle brackets ends at the first '>' outside double
// quotes that is followed by a separator or the end, and is returned
// without its brackets (so "<>" yields an empty, non-nil value). Any other
// value ends at the first ", " or at stop, a byte the caller names (' ' for
// space-separated lists, ',' for comma-separated ones).
func value(b []byte, stop byte) (v, rest []byte) {
	if len(b) > 0 && b[0] == '<' {
		if i := closeAngle(b); i > 0 {
			return b[1:i:i], b[i+1:]
		}
		// Unterminated: fall through to a plain value.
	}
	if stop == ',' {
		if j := bytes.IndexByte(b, ','); j >= 0 {
			return b[:j:j], b[j:]
		}
		return b, nil
	}
	for i := 0; i < len(b); i++ {
		j := bytes.IndexByte(b[i:], ',')
		end := len(b)
		if j >= 0 {
			end = i + j
		}
		if k := bytes.IndexByte(b[i:end], stop); k >= 0 {
			return b[: i+k : i+k], b[i+k:]
		}
		if j < 0 {
			break
		}
		if end+1 == len(b) || b[end+1] == ' ' {
			return b[:end:end], b[end:]
		}
		i = end
	}
	return b, nil
}

// closeAngle finds the '>' closing the '<' at b[0]: the first one outside
// double quotes that is followed by a separator or the end; -1 if none.
func closeAngle(b []byte) int {
	quoted := false
	for i := 1; i < len(b); i++ {
		if !quoted {
			gt := bytes.IndexByte(b[i:], '>')
			if gt < 0 {
				return -1
			}
			if q := bytes.IndexByte(b[i:i+gt], '"'); q >= 0 {
				gt = q
			}
			i += gt
		}
		switch c := b[i]; {
		case c == '"':
			quoted = !quoted
		case c == '>' && !quoted && (i+1 == len(b) || isSep(b[i+1])):
			return i
		}
	}
	return -1
}

// skipSep drops one ", " or " " separator.
func skipSep(b []byte) []byte {
	if len(b) > 0 && b[0] == ',' {
		b = b[1:]
	}
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	return b
}

// key reads "name=" at the start of b.
func key(b []byte) (name, rest []byte, ok bool) {
	for i, c := range b {
		switch {
		case c == '=':
			return b[:i], b[i+1:], i > 0
		case c >= 'a' && c <= 'z' || c == '_' || c == '-' || c >= 'A' && c <= 'Z':
		default:
			return nil, b, false
		}
	}
	return nil, b, false
}

// seconds parses Postfix's "46", "1.6" or "0.05" into a duration.
func seconds(b []byte) (time.Duration, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var whole, frac, scale int64 = 0, 0, 1
	dot := false
	for _, c := range b {
		switch {
		case c == '.' && !dot:
			dot = true
		case c < '0' || c > '9':
			return 0, false
		case dot:
			if scale < 1e9 {
				frac, scale = frac*10+int64(c-'0'), scale*10
			}
		default:
			whole = whole*10 + int64(c-'0')
		}
	}
	if whole > 1<<32 {
		return 0, false
	}
	return time.Duration(whole)*time.Second + time.Duration(frac*int64(time.Second)/scale), true
}

// isQueueID reports whether b looks like a Postfix queue id: upper-case
// hex (classic ids) or, with enable_long_queue_ids, an alphanumeric id of
// at least 12 characters with its 'z' separator. Words such as "warning",
// "statistics" or "Requeued" are not queue ids.
func isQueueID(b []byte) bool {
	if len(b) < 5 || len(b) > 24 {
		return false
	}
	hex, z := true, false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9' || c >= 'A' && c <= 'F':
		case c >= 'G' && c <= 'Z' || c >= 'a' && c <= 'z':
			hex = false
			z = z || c == 'z'
		default:
			return false
		}
	}
	return hex || z && len(b) >= 12
}

// queuedAs finds "queued as ID" in a reply text.
func queuedAs(text []byte) []byte {
	i := lastIndex(text, "queued as ")
	if i < 0 {
		return nil
	}
	id := text[i+len("queued as "):]
	n := 0
	for n < len(id) && (id[n] >= '0' && id[n] <= '9' || id[n] >= 'A' && id[n] <= 'Z' || id[n] >= 'a' && id[n] <= 'z') {
		n++
	}
	if !isQueueID(id[:n]) {
		return nil
	}
	return id[:n:n]
}

// parenText returns the text inside the parentheses opening b, balancing
// nested ones; unbalanced text runs to the last ')' or to the end.
func parenText(b []byte) []byte {
	if len(b) == 0 || b[0] != '(' {
		return nil
	}
	depth := 0
	for i, c := range b {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return b[1:i:i]
			}
		}
	}
	if j := bytes.LastIndexByte(b, ')'); j > 0 {
		return b[1:j:j]
	}
	return b[1:]
}
