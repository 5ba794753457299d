package exim

// Error is the reason ParseLine did not recognize a line. Its values are
// constants, so a Processor counts unknown lines by reason.
type Error string

func (e Error) Error() string { return string(e) }

// Reasons ParseLine fails with. The Record returned with them holds what
// was read before the failure (time, message id, text).
const (
	ErrEmpty        Error = "empty line"
	ErrTimestamp    Error = "no recognizable timestamp"
	ErrUnrecognized Error = "unrecognized text"
	ErrMessageLine  Error = "unrecognized text after a message id"
)
