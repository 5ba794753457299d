package logline

import "time"

// parseStamp reads the leading timestamp, if any, into e and returns the
// rest of the line. A line without a timestamp is returned whole with
// e.Time zero (journal style: "host prog[pid]: …").
func parseStamp(b []byte, e *Envelope) ([]byte, error) {
	b = skipPRI(b)
	if len(b) == 0 {
		return nil, ErrEmpty
	}
	switch c := b[0]; {
	case c == '@':
		if rest, ok := parseTAI64N(b, e); ok {
			return rest, nil
		}
		return nil, ErrTimestamp
	case c >= '0' && c <= '9':
		if rest, ok := parseISO(b, e); ok {
			return rest, nil
		}
	case c >= 'A' && c <= 'Z':
		if rest, ok := parseBSD(b, e); ok {
			return rest, nil
		}
	}
	return b, nil
}

// skipPRI drops an RFC 3164 "<13>" priority prefix.
func skipPRI(b []byte) []byte {
	if len(b) < 3 || b[0] != '<' {
		return b
	}
	for i := 1; i < len(b) && i <= 4; i++ {
		switch c := b[i]; {
		case c == '>' && i > 1:
			return b[i+1:]
		case c < '0' || c > '9':
			return b
		}
	}
	return b
}

// maxUnix is the last second of year 9999, the latest stamp accepted.
const maxUnix = 253402300799

// parseTAI64N reads daemontools' "@4000000063a1b2c3" + 8 hex digits of nanoseconds.
func parseTAI64N(b []byte, e *Envelope) ([]byte, bool) {
	if len(b) < 25 {
		return nil, false
	}
	label, ok1 := hexval(b[1:17])
	nano, ok2 := hexval(b[17:25])
	const base = 1 << 62
	if !ok1 || !ok2 || label < base+10 || label-base > maxUnix || nano > 999999999 {
		return nil, false
	}
	sec := int64(label-base) - 10 // TAI is 10 s ahead of UTC at the TAI64 epoch
	e.Time = time.Unix(sec, int64(nano)).UTC()
	e.HasYear, e.HasZone = true, true
	return b[25:], true
}

func hexval(b []byte) (uint64, bool) {
	var n uint64
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			n = n<<4 | uint64(c-'0')
		case c >= 'a' && c <= 'f':
			n = n<<4 | uint64(c-'a'+10)
		case c >= 'A' && c <= 'F':
			n = n<<4 | uint64(c-'A'+10)
		default:
			return 0, false
		}
	}
	return n, true
}

// num reads exactly n digits at b[i:].
func num(b []byte, i, n int) (int, bool) {
	if i < 0 || i+n > len(b) {
		return 0, false
	}
	v := 0
	for _, c := range b[i : i+n] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// clock reads "HH:MM:SS" at b[i:] and an optional ".fraction"; it returns
// the index after it.
func clock(b []byte, i int) (h, m, s, ns, end int, ok bool) {
	h, ok1 := num(b, i, 2)
	m, ok2 := num(b, i+3, 2)
	s, ok3 := num(b, i+6, 2)
	if !ok1 || !ok2 || !ok3 || b[i+2] != ':' || b[i+5] != ':' || h > 23 || m > 59 || s > 60 {
		return 0, 0, 0, 0, 0, false
	}
	end = i + 8
	if end < len(b) && (b[end] == '.' || b[end] == ',') {
		scale := 100000000
		j := end + 1
		for ; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
			ns += int(b[j]-'0') * scale
			scale /= 10
		}
		if j == end+1 {
			return 0, 0, 0, 0, 0, false
		}
		end = j
	}
	return h, m, s, ns, end, true
}

// parseISO reads "YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|±HH:MM|±HHMM| ±HHMM]".
func parseISO(b []byte, e *Envelope) ([]byte, bool) {
	y, ok1 := num(b, 0, 4)
	mo, ok2 := num(b, 5, 2)
	d, ok3 := num(b, 8, 2)
	if !ok1 || !ok2 || !ok3 || b[4] != '-' || b[7] != '-' || len(b) < 19 ||
		(b[10] != 'T' && b[10] != ' ') || mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1 || y > 9998 {
		return nil, false
	}
	h, mi, s, ns, end, ok := clock(b, 11)
	if !ok {
		return nil, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC)
	off, end, zoned := zone(b, end, b[10] == ' ')
	e.Time = t.Add(-time.Duration(off) * time.Second)
	e.HasYear, e.HasZone = true, zoned
	return b[end:], true
}

// zone reads a zone designator at b[i:]; spaced allows Exim's " +0200".
func zone(b []byte, i int, spaced bool) (off, end int, ok bool) {
	if i < len(b) && b[i] == 'Z' {
		return 0, i + 1, true
	}
	j := i
	if spaced && j+1 < len(b) && b[j] == ' ' {
		j++
	}
	if j >= len(b) || (b[j] != '+' && b[j] != '-') {
		return 0, i, false
	}
	hh, ok1 := num(b, j+1, 2)
	k := j + 3
	if k < len(b) && b[k] == ':' && !spaced {
		k++
	}
	mm, ok2 := num(b, k, 2)
	if !ok1 || !ok2 || hh > 23 || mm > 59 || (k+2 < len(b) && b[k+2] != ' ') {
		return 0, i, false
	}
	off = (hh*60 + mm) * 60
	if b[j] == '-' {
		off = -off
	}
	return off, k + 2, true
}

// parseBSD reads "Mmm d HH:MM:SS", the day space-padded, zero-padded or
// not padded, with an optional fraction.
func parseBSD(b []byte, e *Envelope) ([]byte, bool) {
	if len(b) < 14 || b[3] != ' ' {
		return nil, false
	}
	mo := month(b[0], b[1], b[2])
	if mo == 0 {
		return nil, false
	}
	i := 4
	if b[i] == ' ' {
		i++
	}
	d, ok := num(b, i, 2)
	if ok {
		i += 2
	} else if d, ok = num(b, i, 1); ok {
		i++
	}
	if !ok || d < 1 || d > 31 || i >= len(b) || b[i] != ' ' {
		return nil, false
	}
	h, mi, s, ns, end, ok := clock(b, i+1)
	if !ok {
		return nil, false
	}
	e.Time = time.Date(0, mo, d, h, mi, s, ns, time.UTC)
	return b[end:], true
}

func month(a, b, c byte) time.Month {
	key := uint32(a|0x20)<<16 | uint32(b|0x20)<<8 | uint32(c|0x20)
	for i, name := range [12]uint32{
		'j'<<16 | 'a'<<8 | 'n', 'f'<<16 | 'e'<<8 | 'b', 'm'<<16 | 'a'<<8 | 'r',
		'a'<<16 | 'p'<<8 | 'r', 'm'<<16 | 'a'<<8 | 'y', 'j'<<16 | 'u'<<8 | 'n',
		'j'<<16 | 'u'<<8 | 'l', 'a'<<16 | 'u'<<8 | 'g', 's'<<16 | 'e'<<8 | 'p',
		'o'<<16 | 'c'<<8 | 't', 'n'<<16 | 'o'<<8 | 'v', 'd'<<16 | 'e'<<8 | 'c',
	} {
		if key == name {
			return time.Month(i + 1)
		}
	}
	return 0
}
