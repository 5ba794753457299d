package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailmeter/mailmeter/store"
)

// A new SQLite database, its WAL and shared-memory files are readable by
// their owner only, and so is the data directory Open creates for them.
func TestSQLiteFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "mailmeter.db")
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite:"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil { // writes: the WAL and SHM files exist now
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{
		dir: 0o700 | os.ModeDir, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600,
	} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", filepath.Base(name), fi.Mode(), want)
		}
	}
}
