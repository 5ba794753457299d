package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"

	"github.com/mailmeter/mailmeter/internal/testenv"
)

// postgresURL mirrors storetest.PostgresURL for in-package tests (storetest
// imports this package, so it cannot be used here).
func postgresURL(t *testing.T) string {
	t.Helper()
	base := testenv.Postgres(t)
	admin, err := Open(context.Background(), base, nil)
	if err != nil {
		t.Fatalf("MAILMETER_TEST_POSTGRES=%s: %v", base, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "mm_test_" + hex.EncodeToString(b[:])
	if err := admin.db.Exec("CREATE DATABASE " + name).Error; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}

// KillListeners terminates the connections listening for quota changes on
// the store's database (for tests of the reconnection).
func (s *Store) KillListeners(ctx context.Context, n *int64) error {
	return s.db.WithContext(ctx).Raw(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query = 'LISTEN ` + quotaChannel + `' AND pid <> pg_backend_pid()`).Scan(n).Error
}
