package store

import (
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/mailmeter/mailmeter/metering"
)

// translate turns a driver error into a domain error: record not found →
// NotFound, unique violation → Conflict, foreign-key violation → NotFound
// (the referenced thing does not exist), connection failures → Unavailable.
func translate(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	msg := fmt.Sprintf(format, args...)
	var de *metering.Error
	if errors.As(err, &de) {
		return err
	}
	kind := metering.Internal
	s := strings.ToLower(err.Error())
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return &metering.Error{Kind: metering.NotFound, Message: msg + " does not exist"}
	case strings.Contains(s, "unique constraint") || strings.Contains(s, "duplicate key") || strings.Contains(s, "sqlstate 23505"):
		kind = metering.Conflict
	case strings.Contains(s, "foreign key") || strings.Contains(s, "sqlstate 23503"):
		kind = metering.NotFound
	case strings.Contains(s, "connection refused") || strings.Contains(s, "database is closed") ||
		strings.Contains(s, "broken pipe") || strings.Contains(s, "no such host") || strings.Contains(s, "bad connection") ||
		strings.Contains(s, "database is locked") || strings.Contains(s, "sqlstate 57p") || strings.Contains(s, "sqlstate 08"):
		kind = metering.Unavailable
	}
	return &metering.Error{Kind: kind, Message: msg, Err: err}
}

func unavailable(format, arg string, err error) error {
	return &metering.Error{Kind: metering.Unavailable, Message: fmt.Sprintf(format, arg), Err: err}
}
