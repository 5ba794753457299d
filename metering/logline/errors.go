package logline

// Error is a reason a line has no recognizable envelope. Its values are
// constants so callers can count unparsed lines by reason.
type Error string

// Error returns the reason.
func (e Error) Error() string { return string(e) }

// Reasons Parse can fail with.
const (
	ErrEmpty     Error = "empty line"
	ErrTimestamp Error = "no recognizable timestamp"
	ErrTag       Error = "no program tag after the timestamp"
)
