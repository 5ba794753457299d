package exim

import "time"

// maxDuration bounds each component of a printed duration.
const maxDuration = 100 * 365 * 24 * time.Hour

// parseDuration reads Exim's printed durations: "0s", "45s", "3m45s",
// "2h3m", "1w2d3h4m5s", and with +millisec "1.578s". It returns
// NoDuration for anything else (the test suite's "qqs").
func parseDuration(b []byte) time.Duration {
	if len(b) == 0 {
		return NoDuration
	}
	var total time.Duration
	for len(b) > 0 {
		n, frac, scale, rest, ok := durationNumber(b)
		if !ok || len(rest) == 0 {
			return NoDuration
		}
		unit := durationUnit(rest[0])
		if unit == 0 || (scale > 1 && rest[0] != 's') || time.Duration(n) > maxDuration/unit {
			return NoDuration
		}
		total += time.Duration(n)*unit + time.Duration(frac)*unit/time.Duration(scale)
		b = rest[1:]
	}
	return total
}

// durationNumber reads "digits[.digits]" and returns the integer part, the
// fraction as frac/scale, and the rest.
func durationNumber(b []byte) (n, frac, scale int64, rest []byte, ok bool) {
	i := 0
	for ; i < len(b) && isDigit(b[i]) && i < 12; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	if i == 0 {
		return 0, 0, 1, b, false
	}
	scale = 1
	if i < len(b) && b[i] == '.' {
		j := i + 1
		for ; j < len(b) && isDigit(b[j]) && j-i <= 9; j++ {
			frac = frac*10 + int64(b[j]-'0')
			scale *= 10
		}
		if j == i+1 {
			return 0, 0, 1, b, false
		}
		i = j
	}
	return n, frac, scale, b[i:], true
}

func durationUnit(c byte) time.Duration {
	switch c {
	case 's':
		return time.Second
	case 'm':
		return time.Minute
	case 'h':
		return time.Hour
	case 'd':
		return 24 * time.Hour
	case 'w':
		return 7 * 24 * time.Hour
	}
	return 0
}
