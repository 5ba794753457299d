package tail

import "fmt"

// GapError reports lines that could not be read: the file a Position names
// could not be found on restart, a truncated file's copy could not be found,
// or a rotated file could not be decompressed. It is not fatal: Next returns
// it once, with the Position where reading resumes, and the next call goes on
// from there. Callers log and count it.
type GapError struct {
	Path   string   // the path being tailed
	File   Identity // the file whose lines were lost
	Offset int64    // the offset in File from which lines were lost
	Reason string   // what happened
	Err    error    // the cause, if any
}

func (e *GapError) Error() string {
	msg := fmt.Sprintf("tail %s: lines lost from offset %d of %s: %s", e.Path, e.Offset, e.File, e.Reason)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *GapError) Unwrap() error { return e.Err }
