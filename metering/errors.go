package metering

import (
	"errors"
	"fmt"
)

// Kind classifies an error for callers that must react to it (the API maps
// kinds to HTTP statuses, the CLI to messages and exit codes).
type Kind string

// Error kinds.
const (
	Invalid      Kind = "invalid"        // bad input; the message names the field
	NotFound     Kind = "not_found"      // the named thing does not exist
	Conflict     Kind = "conflict"       // duplicate, or a state that forbids the change
	Unavailable  Kind = "unavailable"    // a dependency (database) cannot be reached
	Refused      Kind = "refused"        // data the database refuses (out of range, a constraint, an encoding): retrying fails again
	Internal     Kind = "internal"       // a bug or an unexpected failure
	QuotaExceed  Kind = "quota_exceeded" // a quota rule refuses the request
	Unauthorized Kind = "unauthorized"
	Forbidden    Kind = "forbidden"
)

// Error is the domain error: a kind, an optional field and a message.
type Error struct {
	Kind    Kind
	Field   string // the input field at fault, if any
	Message string
	Err     error // wrapped cause, if any
}

func (e *Error) Error() string {
	if e.Err != nil && e.Message == "" {
		return e.Err.Error()
	}
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error of the given kind.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// FieldError builds an Invalid *Error naming the field at fault.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of the first *Error in err's chain, Internal for
// any other non-nil error and "" for nil.
func KindOf(err error) Kind {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// FieldOf returns the field named by the first *Error in err's chain.
func FieldOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
