package maildir

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
)

// ProblemKind classifies a Problem.
type ProblemKind string

// Problem kinds.
const (
	// Unknown: a directory entry that does not fit the layout, is not a valid
	// address, or names a mailbox already found under another spelling.
	Unknown ProblemKind = "unknown"
	// Missing: the layout expects a directory that is not there
	// ("/home/bob" without "Maildir").
	Missing ProblemKind = "missing"
	// Symlink: a symbolic link where a directory or message was expected; it
	// is not followed.
	Symlink ProblemKind = "symlink"
	// Unreadable: a directory that could not be read (permission, not a
	// directory, I/O error); the rest of the scan goes on without it.
	Unreadable ProblemKind = "unreadable"
	// Vanished: the mailbox was deleted while it was being scanned.
	Vanished ProblemKind = "vanished"
)

// Problem is something a scan could not measure. Problems are reported, not
// fatal: the scan of everything else completes.
type Problem struct {
	Kind    ProblemKind
	Path    string // the file or directory at fault
	Mailbox string // the mailbox it belongs to, "" during discovery
	Err     error  // the underlying error, if any
}

// String describes the problem in one line.
func (p Problem) String() string {
	s := fmt.Sprintf("%s: %s", p.Kind, p.Path)
	if p.Mailbox != "" {
		s += " (" + p.Mailbox + ")"
	}
	if p.Err != nil {
		s += ": " + p.Err.Error()
	}
	return s
}

// problemFor classifies an error from reading path.
func problemFor(path, mailbox string, err error) Problem {
	kind := Unreadable
	switch {
	case errors.Is(err, syscall.ELOOP):
		kind = Symlink
	case errors.Is(err, fs.ErrNotExist):
		kind = Vanished
	}
	return Problem{Kind: kind, Path: path, Mailbox: mailbox, Err: err}
}
