//go:build !unix

package policy

func fdLimit() uint64 { return 0 }
