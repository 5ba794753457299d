package contentfilter

// Error is a reason a line is not a verdict. The values are constants so
// callers can count unparsed lines by reason.
type Error string

// Error returns the reason.
func (e Error) Error() string { return string(e) }

// Reasons the parsers fail with.
const (
	ErrNotVerdict Error = "not a verdict line"
	ErrMalformed  Error = "malformed verdict line"
	ErrUnknown    Error = "unrecognized content-filter line"
)
