//go:build unix

package policy

import "syscall"

// fdLimit returns the process's file-descriptor limit (the soft
// RLIMIT_NOFILE, which Go raises to the hard limit at start), or 0.
func fdLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return rl.Cur
}
