package exim

import "time"

// stamp is a wall-clock timestamp as Exim writes it, with an optional zone.
type stamp struct {
	year, month, day, hour, min, sec, nsec int
	offset                                 int // seconds east of UTC when zoned
	zoned                                  bool
}

// isStamp reports whether b starts with "YYYY-MM-DD HH:MM:SS".
func isStamp(b []byte) bool {
	return len(b) >= 19 && b[4] == '-' && b[7] == '-' && b[10] == ' ' &&
		b[13] == ':' && b[16] == ':' && isDigit(b[0]) && isDigit(b[11])
}

// readStamp reads "YYYY-MM-DD HH:MM:SS[.fff][ ±HHMM]" and returns the rest.
func readStamp(b []byte) (st stamp, rest []byte, ok bool) {
	if !isStamp(b) {
		return st, b, false
	}
	var ok1, ok2, ok3, ok4, ok5, ok6 bool
	st.year, ok1 = digits(b[0:4])
	st.month, ok2 = digits(b[5:7])
	st.day, ok3 = digits(b[8:10])
	st.hour, ok4 = digits(b[11:13])
	st.min, ok5 = digits(b[14:16])
	st.sec, ok6 = digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || st.month < 1 || st.month > 12 ||
		st.day < 1 || st.day > 31 || st.hour > 23 || st.min > 59 || st.sec > 60 {
		return st, b, false
	}
	i := 19
	if i < len(b) && b[i] == '.' {
		scale := 100000000
		j := i + 1
		for ; j < len(b) && isDigit(b[j]); j++ {
			st.nsec += int(b[j]-'0') * scale
			scale /= 10
		}
		if j == i+1 {
			return st, b, false
		}
		i = j
	}
	if off, ok := readZone(b[i:]); ok {
		st.offset, st.zoned = off, true
		i += 6
	}
	return st, b[i:], true
}

// readZone reads " +HHMM" (log_timezone) followed by a space or the end.
func readZone(b []byte) (int, bool) {
	if len(b) < 6 || b[0] != ' ' || (b[1] != '+' && b[1] != '-') || (len(b) > 6 && b[6] != ' ') {
		return 0, false
	}
	hh, ok1 := digits(b[2:4])
	mm, ok2 := digits(b[4:6])
	if !ok1 || !ok2 || hh > 23 || mm > 59 {
		return 0, false
	}
	off := (hh*60 + mm) * 60
	if b[1] == '-' {
		off = -off
	}
	return off, true
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// hourCache remembers the start of the last hour converted, so runs of
// lines in the same hour cost no time.Date call.
type hourCache struct {
	y, mo, d, h, off int
	zoned            bool
	loc              *time.Location
	start            time.Time
	valid            bool
}

// at converts st, reading zone-less stamps in loc.
func (c *hourCache) at(st stamp, loc *time.Location) time.Time {
	if !c.valid || c.y != st.year || c.mo != st.month || c.d != st.day || c.h != st.hour ||
		c.zoned != st.zoned || c.off != st.offset || c.loc != loc {
		var start time.Time
		if st.zoned {
			start = time.Date(st.year, time.Month(st.month), st.day, st.hour, 0, 0, 0, time.UTC).
				Add(-time.Duration(st.offset) * time.Second)
		} else {
			start = time.Date(st.year, time.Month(st.month), st.day, st.hour, 0, 0, 0, loc)
		}
		*c = hourCache{y: st.year, mo: st.month, d: st.day, h: st.hour, off: st.offset,
			zoned: st.zoned, loc: loc, start: start, valid: true}
	}
	return c.start.Add(time.Duration(st.min)*time.Minute + time.Duration(st.sec)*time.Second +
		time.Duration(st.nsec))
}
