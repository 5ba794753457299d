package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"gorm.io/gorm"
)

// Two processes on one SQLite file: a transaction that reads and then
// writes holds the write lock from its start, so the other process waits
// instead of making it fail with SQLITE_BUSY_SNAPSHOT ("database is
// locked (517)").
func TestSQLiteTransactionsLockAtBegin(t *testing.T) {
	path := "sqlite:" + filepath.Join(t.TempDir(), "x.db")
	a, b := openMigrated(t, path), openMigrated(t, path)
	insert := func(db *gorm.DB, id string) error {
		return db.Exec("INSERT INTO customers (id, name, currency, timezone, plan, created_at) VALUES (?, ?, 'EUR', 'UTC', '', ?)", id, id, time.Now()).Error
	}
	other := make(chan error, 1)
	err := a.db.WithContext(context.Background()).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Raw("SELECT count(*) FROM customers").Scan(&n).Error; err != nil {
			return err
		}
		go func() { other <- insert(b.db, "from-b") }()
		select {
		case err := <-other:
			t.Errorf("the other process wrote while the transaction was open (%v): transactions do not lock at begin", err)
		case <-time.After(300 * time.Millisecond):
		}
		return insert(tx, "from-a")
	})
	if err != nil {
		t.Fatalf("read-then-write transaction: %v", err)
	}
	if err := <-other; err != nil {
		t.Errorf("the waiting write: %v", err)
	}
	var n int64
	a.db.Raw("SELECT count(*) FROM customers").Scan(&n)
	if n != 2 {
		t.Errorf("%d customers, want 2", n)
	}
}
