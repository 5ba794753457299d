package store

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/mailmeter/mailmeter/migrations"
)

// Migration is one versioned schema change and whether it is applied.
type Migration struct {
	Version   int
	Name      string
	AppliedAt *time.Time // nil while pending
	sql       string
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TIMESTAMP NOT NULL
)`

// migrationFiles reads the embedded migrations of the store's dialect.
func (s *Store) migrationFiles() ([]Migration, error) {
	fsys, err := migrations.For(s.dialect)
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", name)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: strings.TrimSuffix(name[len(num)+1:], ".sql"), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share a version", ms[i-1].Name, ms[i].Name)
		}
	}
	return ms, nil
}

// MigrationStatus lists every known migration, applied or pending.
func (s *Store) MigrationStatus(ctx context.Context) ([]Migration, error) {
	ms, err := s.migrationFiles()
	if err != nil {
		return nil, err
	}
	if err := s.db.WithContext(ctx).Exec(createMigrationsTable).Error; err != nil {
		return nil, translate(err, "create schema_migrations")
	}
	applied, err := s.applied(s.db.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	for i := range ms {
		if t, ok := applied[ms[i].Version]; ok {
			t := t
			ms[i].AppliedAt = &t
		}
	}
	return ms, nil
}

func (s *Store) applied(db *gorm.DB) (map[int]time.Time, error) {
	var rows []struct {
		Version   int
		AppliedAt time.Time
	}
	if err := db.Raw("SELECT version, applied_at FROM schema_migrations").Scan(&rows).Error; err != nil {
		return nil, translate(err, "read schema_migrations")
	}
	m := make(map[int]time.Time, len(rows))
	for _, r := range rows {
		m[r.Version] = r.AppliedAt.UTC()
	}
	return m, nil
}

// Migrate applies every pending migration, each in its own transaction,
// and returns those it applied. Running it again is a no-op. Concurrent
// migrators on PostgreSQL serialize on an advisory lock.
func (s *Store) Migrate(ctx context.Context) ([]Migration, error) {
	return s.migrateUpTo(ctx, math.MaxInt)
}

// migrateUpTo applies the pending migrations numbered up to last.
func (s *Store) migrateUpTo(ctx context.Context, last int) ([]Migration, error) {
	ms, err := s.MigrationStatus(ctx)
	if err != nil {
		return nil, err
	}
	var done []Migration
	for _, m := range ms {
		if m.AppliedAt != nil || m.Version > last {
			continue
		}
		ran := false
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if s.dialect == Postgres {
				if err := tx.Exec("SELECT pg_advisory_xact_lock(7162534)").Error; err != nil {
					return err
				}
			}
			applied, err := s.applied(tx)
			if err != nil {
				return err
			}
			if _, ok := applied[m.Version]; ok {
				return nil // another process applied it meanwhile
			}
			if err := tx.Exec(m.sql).Error; err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			ran = true
			now := time.Now().UTC()
			m.AppliedAt = &now
			return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", m.Version, m.Name, now).Error
		})
		if err != nil {
			return done, translate(err, "apply migration %s", m.Name)
		}
		if ran {
			done = append(done, m)
		}
	}
	return done, nil
}

// Pending returns the number of migrations not yet applied.
func (s *Store) Pending(ctx context.Context) (int, error) {
	ms, err := s.MigrationStatus(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range ms {
		if m.AppliedAt == nil {
			n++
		}
	}
	return n, nil
}
