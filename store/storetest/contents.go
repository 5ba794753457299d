package storetest

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/mailmeter/mailmeter/store"
)

// EachDSN is Each that also hands f the store's DSN, so a test can look at
// the database behind the store's back (see Contents).
func EachDSN(t *testing.T, f func(t *testing.T, s *store.Store, dsn string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		dsn := "sqlite:" + filepath.Join(t.TempDir(), "mailmeter.db")
		f(t, open(t, dsn), dsn)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := PostgresURL(t)
		f(t, open(t, dsn), dsn)
	})
}

// Contents returns every row of every table of the database at dsn, one
// line per row, sorted by table and row: two calls return the same lines
// exactly when nothing was written in between.
func Contents(t testing.TB, dsn string) []string {
	t.Helper()
	db := rawDB(t, dsn)
	var tables []string
	q := "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
	if strings.HasPrefix(dsn, "sqlite:") {
		q = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	}
	if err := db.Raw(q).Scan(&tables).Error; err != nil {
		t.Fatalf("list tables: %v", err)
	}
	sort.Strings(tables)
	var out []string
	for _, table := range tables {
		out = append(out, tableRows(t, db, table)...)
	}
	return out
}

// tableRows returns the rows of one table as sorted lines.
func tableRows(t testing.TB, db *gorm.DB, table string) []string {
	t.Helper()
	rows, err := db.Raw(`SELECT * FROM "` + table + `"`).Rows()
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = fmt.Sprintf("%q", b)
			}
		}
		lines = append(lines, fmt.Sprintf("%s%v", table, vals))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	sort.Strings(lines)
	return lines
}

// rawDB opens a second connection to the database at dsn, closed when the
// test ends.
func rawDB(t testing.TB, dsn string) *gorm.DB {
	t.Helper()
	var d gorm.Dialector = postgres.Open(dsn)
	if p, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		d = sqlite.Open(p)
	}
	db, err := gorm.Open(d, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	sqlDB, _ := db.DB()
	t.Cleanup(func() { sqlDB.Close() })
	return db
}
