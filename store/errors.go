package store

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	sqlite "github.com/glebarez/go-sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/mailmeter/mailmeter/metering"
)

// translate turns a driver error into a domain error, classified by the
// driver's error code, never by message text: record not found → NotFound;
// unique violation → Conflict; foreign-key violation → NotFound (the
// referenced thing does not exist); data the database refuses (out of range,
// other constraints, encoding, too big) → Refused; a lost or refused
// connection, a busy or locked database → Unavailable; anything else →
// Internal.
func translate(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var de *metering.Error
	if errors.As(err, &de) {
		return err
	}
	msg := fmt.Sprintf(format, args...)
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return &metering.Error{Kind: metering.NotFound, Message: msg + " does not exist"}
	}
	return &metering.Error{Kind: classify(err), Message: msg, Err: err}
}

// classify returns the kind of a driver error.
func classify(err error) metering.Kind {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return postgresKind(pg.Code)
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		return sqliteKind(lite.Code())
	}
	if connectionLost(err) {
		return metering.Unavailable
	}
	return metering.Internal
}

// postgresKind classifies a SQLSTATE (PostgreSQL manual, appendix A).
func postgresKind(code string) metering.Kind {
	switch code {
	case "23505": // unique_violation
		return metering.Conflict
	case "23503": // foreign_key_violation
		return metering.NotFound
	}
	switch class := code[:min(2, len(code))]; class {
	case "22", // data exception: numeric_value_out_of_range, character_not_in_repertoire, …
		"23", // integrity constraint violation: not null, check, exclusion
		"54": // program limit exceeded: a value too large for an index row
		return metering.Refused
	case "08", // connection exception
		"40", // transaction rollback: serialization failure, deadlock
		"53", // insufficient resources: too many connections, disk full
		"57", // operator intervention: admin shutdown, cannot connect now, query canceled
		"58": // system error: I/O
		return metering.Unavailable
	}
	return metering.Internal
}

// sqliteKind classifies a SQLite (extended) result code.
func sqliteKind(code int) metering.Kind {
	switch code {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return metering.Conflict
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return metering.NotFound
	}
	switch code & 0xff {
	case sqlite3.SQLITE_CONSTRAINT, // not null (a guarded sum, see sumExpr), check, datatype
		sqlite3.SQLITE_TOOBIG, sqlite3.SQLITE_MISMATCH, sqlite3.SQLITE_RANGE:
		return metering.Refused
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_FULL, sqlite3.SQLITE_PROTOCOL, sqlite3.SQLITE_READONLY:
		return metering.Unavailable
	}
	return metering.Internal
}

// sqliteBusy reports whether err is SQLite's SQLITE_BUSY or SQLITE_LOCKED.
func sqliteBusy(err error) bool {
	var lite *sqlite.Error
	if !errors.As(err, &lite) {
		return false
	}
	c := lite.Code() & 0xff
	return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
}

// connectionLost reports errors of the connection rather than of the
// statement: the server is unreachable or went away mid-statement.
func connectionLost(err error) bool {
	var ne net.Error
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func unavailable(format, arg string, err error) error {
	return &metering.Error{Kind: metering.Unavailable, Message: fmt.Sprintf(format, arg), Err: err}
}

// printable makes s storable as text on both databases: invalid UTF-8 and
// NUL bytes (which PostgreSQL refuses) become U+FFFD.
func printable(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}
