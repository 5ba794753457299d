// Package dsn parses, checks and redacts database URLs without opening a
// database (and without importing a driver), so configuration can check
// its database URL and any package can log one safely.
package dsn

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Dialects Parse returns.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Parse checks a database URL: "sqlite:PATH" (PATH may be ":memory:" only
// for tests), "postgres://…"/"postgresql://…" or a PostgreSQL key=value DSN
// ("host=… dbname=…"). It returns the dialect. Its errors show the DSN
// redacted.
func Parse(dsn string) (string, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		if strings.TrimPrefix(dsn, "sqlite:") == "" {
			return "", errors.New("sqlite URL needs a path, e.g. sqlite:./mailmeter.db")
		}
		return SQLite, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		if _, err := url.Parse(dsn); err != nil {
			return "", fmt.Errorf("postgres URL %q: %v", Redact(dsn), Scrub(errors.Unwrap(err), dsn))
		}
		return Postgres, nil
	case isKeyValue(dsn):
		return Postgres, nil
	}
	return "", fmt.Errorf("unsupported database URL %q: want sqlite:PATH, postgres://… or host=… dbname=…", Redact(dsn))
}

// isKeyValue reports whether dsn is a PostgreSQL key=value DSN: words of
// the form key=value, one of them host, dbname or user.
func isKeyValue(dsn string) bool {
	if strings.Contains(dsn, "://") {
		return false
	}
	for _, f := range strings.Fields(dsn) {
		key, _, ok := strings.Cut(f, "=")
		if ok && (key == "host" || key == "dbname" || key == "user") {
			return true
		}
	}
	return false
}
