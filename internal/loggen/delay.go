package loggen

import (
	"strconv"
	"time"
)

func microseconds(us int64) time.Duration { return time.Duration(us) * time.Microsecond }

// appendPostfixDelay formats seconds the way Postfix logs delay= and
// delays=: two significant digits below ten, whole seconds above.
func appendPostfixDelay(b []byte, us int64) []byte {
	switch {
	case us >= 10e6:
		return strconv.AppendInt(b, us/1e6, 10)
	case us >= 1e6:
		return strconv.AppendFloat(b, float64(us/1e5)/10, 'f', -1, 64)
	case us >= 1e4:
		return strconv.AppendFloat(b, float64(us/1e4)/100, 'f', -1, 64)
	}
	return append(b, '0')
}

// appendEximTime formats a duration as Exim does in QT= and DT=: 3s,
// 3m45s, 1h2m3s, or 1.578s in millisecond mode below a minute.
func appendEximTime(b []byte, us int64, millis bool) []byte {
	if millis && us < 60e6 {
		b = strconv.AppendInt(b, us/1e6, 10)
		b = append(b, '.')
		b = appendPadded(b, (us%1e6)/1000, 3)
		return append(b, 's')
	}
	sec := us / 1e6
	if h := sec / 3600; h > 0 {
		b = strconv.AppendInt(b, h, 10)
		b = append(b, 'h')
	}
	if m := sec % 3600 / 60; m > 0 {
		b = strconv.AppendInt(b, m, 10)
		b = append(b, 'm')
	}
	if s := sec % 60; s > 0 || sec == 0 {
		b = strconv.AppendInt(b, s, 10)
		b = append(b, 's')
	}
	return b
}
