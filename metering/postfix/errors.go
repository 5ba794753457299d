package postfix

// Error is a reason ParseLine did not recognize a line. The values are
// constants so that callers can count unknown lines by reason.
type Error string

// Error returns the reason.
func (e Error) Error() string { return string(e) }

// Reasons ParseLine fails with.
const (
	ErrEmpty        Error = "empty message"
	ErrUnrecognized Error = "unrecognized message"
	ErrQueueLine    Error = "unrecognized queue-id line"
	ErrDelivery     Error = "malformed delivery line"
	ErrQueued       Error = "malformed qmgr from= line"
	ErrClient       Error = "malformed client= line"
	ErrReject       Error = "malformed reject line"
	ErrPickup       Error = "malformed pickup line"
)
