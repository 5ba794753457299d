package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store/dsn"
)

// Dialects.
const (
	SQLite   = dsn.SQLite
	Postgres = dsn.Postgres
)

// Store is a database connection implementing the domain store interfaces.
type Store struct {
	db      *gorm.DB
	dialect string
	dsn     string
}

var (
	_ directory.Store     = (*Store)(nil)
	_ metering.UsageStore = (*Store)(nil)
)

// Open connects to the database named by dbURL (see dsn.Parse). It does not migrate.
func Open(ctx context.Context, dbURL string, log *slog.Logger) (*Store, error) {
	dialect, err := dsn.Parse(dbURL)
	if err != nil {
		return nil, err
	}
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		TranslateError:         false,
	}
	var db *gorm.DB
	switch dialect {
	case SQLite:
		path := strings.TrimPrefix(dbURL, "sqlite:")
		if err := createSQLiteFile(path); err != nil {
			return nil, err
		}
		db, err = openSQLite(ctx, path, cfg)
	case Postgres:
		db, err = gorm.Open(postgres.Open(dbURL), cfg)
	}
	if err != nil {
		return nil, unavailable("open database %s", dsn.Redact(dbURL), dsn.Scrub(err, dbURL))
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	if dialect == SQLite {
		// One writer at a time in-process; WAL lets readers go on. The busy
		// timeout and immediate transactions cover other processes.
		sqlDB.SetMaxOpenConns(1)
	} else {
		sqlDB.SetMaxOpenConns(16)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	s := &Store{db: db, dialect: dialect, dsn: dbURL}
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	if log != nil {
		log.Debug("database open", "dialect", dialect, "dsn", dsn.Redact(dbURL))
	}
	return s, nil
}

// createSQLiteFile creates a missing database file, and its folder, for
// their owner only (0600, 0700): SQLite gives the WAL and shared-memory
// files the database file's mode. Existing files and folders keep theirs.
func createSQLiteFile(path string) error {
	if path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create database folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database file: %w", err)
	}
	return f.Close()
}

// openSQLite opens the file, retrying while another process holds the lock
// that switching to WAL mode needs (two processes starting at once on a new
// file): that pragma does not wait for the busy timeout.
func openSQLite(ctx context.Context, path string, cfg *gorm.Config) (*gorm.DB, error) {
	deadline := time.Now().Add(15 * time.Second)
	for {
		db, err := gorm.Open(sqlite.Open(sqliteDSN(path)), cfg)
		if err == nil {
			sqlDB, _ := db.DB()
			if err = sqlDB.PingContext(ctx); err == nil {
				return db, nil
			}
			sqlDB.Close()
		}
		if !sqliteBusy(err) {
			return nil, err
		}
		if time.Now().After(deadline) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Transactions take the write lock when they begin, so one that reads
	// and then writes cannot fail with SQLITE_BUSY_SNAPSHOT when another
	// process wrote in between; they wait (busy_timeout) instead.
	// (No _time_format: the driver ignores _txlock when it is given, and
	// its default already writes times in SQLite's format.)
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Dialect returns "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return unavailable("database %s", dsn.Redact(s.dsn), dsn.Scrub(err, s.dsn))
	}
	return nil
}

// Close closes the connection pool.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}
