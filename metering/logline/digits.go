package logline

// Atoi reads a non-empty run of at most 18 decimal digits, without sign or
// space, as the parsers of mail log lines meet them (pids, sizes, counts):
// without allocating, and never overflowing. It reports false for anything
// else.
func Atoi(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
