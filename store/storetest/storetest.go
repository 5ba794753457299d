// Package storetest gives tests real stores: a fresh SQLite file and, when
// MAILMETER_TEST_POSTGRES names a server, a throw-away PostgreSQL database
// created for the test and dropped after it. Without that variable the
// PostgreSQL half is skipped with one line saying why; with it set but the
// server unreachable, the test fails.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"testing"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/store"
)

// EnvPostgres names the variable holding the test server's URL.
const EnvPostgres = "MAILMETER_TEST_POSTGRES"

// SQLite returns a migrated store on a new SQLite file in t.TempDir().
func SQLite(t testing.TB) *store.Store {
	t.Helper()
	return open(t, "sqlite:"+filepath.Join(t.TempDir(), "mailmeter.db"))
}

// PostgresURL creates a throw-away database and returns its URL, dropping
// it when the test ends. It skips the test when EnvPostgres is unset.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := testenv.Postgres(t)
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("%s=%s: cannot connect: %v", EnvPostgres, base, err)
	}
	sqlAdmin, _ := admin.DB()
	if err := sqlAdmin.Ping(); err != nil {
		t.Fatalf("%s=%s: cannot connect: %v", EnvPostgres, base, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "mm_test_" + hex.EncodeToString(b[:])
	if err := admin.Exec("CREATE DATABASE " + name).Error; err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		sqlAdmin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Postgres returns a migrated store on a throw-away PostgreSQL database.
func Postgres(t testing.TB) *store.Store {
	t.Helper()
	return open(t, PostgresURL(t))
}

func open(t testing.TB, dsn string) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// Each runs f as two subtests, "sqlite" and "postgres", each on a fresh
// migrated store.
func Each(t *testing.T, f func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { f(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, Postgres(t)) })
}
