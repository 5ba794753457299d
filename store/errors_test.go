package store

import (
	"context"
	"math"
	"net"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/mailmeter/mailmeter/metering"
)

// Driver errors are classified by their codes (SQLSTATE, SQLite extended
// result codes), each class produced for real on both databases.
func TestErrorsAreClassifiedByDriverCode(t *testing.T) {
	ctx := context.Background()
	exec := func(s *Store, sql string, args ...any) error {
		return translate(s.db.WithContext(ctx).Exec(sql, args...).Error, "test statement")
	}
	customer := "INSERT INTO customers (id, name, currency, timezone, plan, created_at) VALUES (?, ?, 'EUR', 'UTC', '', ?)"
	cases := []struct {
		name string
		want metering.Kind
		err  func(t *testing.T, s *Store, dsn string) error
	}{
		{"sum past int64 (data)", metering.Refused, func(t *testing.T, s *Store, _ string) error {
			h := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
			b := metering.Batch{Counters: []metering.CounterDelta{{Mailbox: "a@x.example", Metric: metering.InBytes, Hour: h, Value: math.MaxInt64}}}
			if err := s.Commit(ctx, b); err != nil {
				t.Fatal(err)
			}
			b.Counters[0].Value = 1
			return s.Commit(ctx, b)
		}},
		{"not null (constraint)", metering.Refused, func(t *testing.T, s *Store, _ string) error {
			return exec(s, customer, "c1", nil, time.Now())
		}},
		{"datatype or encoding (data)", metering.Refused, func(t *testing.T, s *Store, _ string) error {
			if s.dialect == Postgres {
				return exec(s, customer, "c1", "bad \xff name", time.Now()) // 22021
			}
			if err := s.db.Exec("CREATE TEMP TABLE strict_t (n INTEGER) STRICT").Error; err != nil {
				t.Fatal(err)
			}
			return exec(s, "INSERT INTO strict_t VALUES ('not a number')") // SQLITE_CONSTRAINT_DATATYPE
		}},
		{"unique (conflict)", metering.Conflict, func(t *testing.T, s *Store, _ string) error {
			if err := exec(s, customer, "c1", "one", time.Now()); err != nil {
				t.Fatal(err)
			}
			return exec(s, customer, "c1", "two", time.Now())
		}},
		{"foreign key (not found)", metering.NotFound, func(t *testing.T, s *Store, _ string) error {
			return exec(s, "INSERT INTO domains (name, customer_id, created_at) VALUES ('x.example', 'nobody', ?)", time.Now())
		}},
		{"busy or terminated (unavailable)", metering.Unavailable, func(t *testing.T, s *Store, dsn string) error {
			if s.dialect == Postgres {
				return exec(s, "SELECT pg_terminate_backend(pg_backend_pid())") // 57P01
			}
			return busySQLite(t, s, dsn)
		}},
		{"nothing listens (unavailable)", metering.Unavailable, func(t *testing.T, s *Store, dsn string) error {
			if s.dialect == SQLite {
				dir := t.TempDir()
				db, err := gorm.Open(sqlite.Open("file:"+filepath.Join(dir, "missing", "x.db")), &gorm.Config{Logger: logger.Discard})
				if err == nil {
					err = db.Exec("SELECT 1").Error
				}
				return translate(err, "open") // SQLITE_CANTOPEN
			}
			u, _ := url.Parse(dsn)
			u.Host = closedPort(t)
			db, err := gorm.Open(postgres.Open(u.String()), &gorm.Config{Logger: logger.Discard, DisableAutomaticPing: true})
			if err == nil {
				err = db.Exec("SELECT 1").Error
			}
			return translate(err, "connect")
		}},
	}
	dbs := []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "m.db") }},
		{"postgres", postgresURL},
	}
	for _, db := range dbs {
		t.Run(db.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					dsn := db.dsn(t)
					err := c.err(t, openMigrated(t, dsn), dsn)
					if got := metering.KindOf(err); got != c.want {
						t.Errorf("kind %q, want %q: %v", got, c.want, err)
					}
				})
			}
		})
	}
}

// busySQLite makes a write fail with SQLITE_BUSY: another connection holds
// the write lock and this one does not wait.
func busySQLite(t *testing.T, s *Store, dsn string) error {
	t.Helper()
	path := dsn[len("sqlite:"):]
	other, err := gorm.Open(sqlite.Open("file:"+path+"?_pragma=busy_timeout(0)"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	sqlOther, _ := other.DB()
	defer sqlOther.Close()
	tx := s.db.Begin() // _txlock=immediate: holds the write lock
	defer tx.Rollback()
	if tx.Error != nil {
		t.Fatal(tx.Error)
	}
	return translate(other.Exec("INSERT INTO customers (id, name, currency, timezone, plan, created_at) VALUES ('b', 'b', 'EUR', 'UTC', '', ?)", time.Now()).Error, "write")
}

// closedPort returns a loopback address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
