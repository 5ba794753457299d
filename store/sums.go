package store

import (
	"errors"
	"fmt"

	sqlite "github.com/glebarez/go-sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sumExpr is the SQL of an upsert adding a delta to a stored total,
// table.col + excluded.col, guarded so that a sum past the int64 range is
// refused, never stored. PostgreSQL refuses it by itself (22003
// numeric_value_out_of_range). SQLite would turn it into a float and store
// that in the BIGINT column; there the expression is NULL instead, which the
// column's NOT NULL refuses (SQLITE_CONSTRAINT_NOTNULL). Either way the
// record is Refused and becomes a dead letter. (A trigger checking the
// stored type would guard every writer, but cost SQLite three times the
// time of an update.)
func sumExpr(dialect, table, col string) string {
	sum := table + "." + col + " + excluded." + col
	if dialect == Postgres {
		return sum
	}
	return "CASE WHEN typeof(" + sum + ") = 'integer' THEN " + sum + " END"
}

// sumRefused explains the NOT NULL violation a guarded sum causes on SQLite.
func sumRefused(err error) error {
	var lite *sqlite.Error
	if errors.As(err, &lite) && lite.Code() == sqlite3.SQLITE_CONSTRAINT_NOTNULL {
		return fmt.Errorf("a sum would pass the int64 range: %w", err)
	}
	return err
}
