package store

import (
	"context"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// The gorm row structs must name exactly the columns the migrations create.
func TestModelsMatchSchema(t *testing.T) {
	check := func(t *testing.T, s *Store) {
		for _, m := range models() {
			sch, err := schema.Parse(m, &sync.Map{}, schema.NamingStrategy{})
			if err != nil {
				t.Fatal(err)
			}
			cols, err := s.db.Migrator().ColumnTypes(sch.Table)
			if err != nil {
				t.Fatalf("%s: %v", sch.Table, err)
			}
			var got, want []string
			for _, c := range cols {
				got = append(got, c.Name())
			}
			for _, f := range sch.Fields {
				if f.DBName != "" {
					want = append(want, f.DBName)
				}
			}
			sort.Strings(got)
			sort.Strings(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("table %s: model columns vs migrated schema (-model +schema):\n%s", sch.Table, diff)
			}
			pk := primaryKey(t, s, sch.Table, cols)
			var wantPK []string
			for _, f := range sch.PrimaryFields {
				wantPK = append(wantPK, f.DBName)
			}
			sort.Strings(pk)
			sort.Strings(wantPK)
			if diff := cmp.Diff(wantPK, pk); diff != "" {
				t.Errorf("table %s: primary key (-model +schema):\n%s", sch.Table, diff)
			}
		}
	}
	t.Run("sqlite", func(t *testing.T) { check(t, openMigrated(t, "sqlite:"+filepath.Join(t.TempDir(), "m.db"))) })
	t.Run("postgres", func(t *testing.T) { check(t, openMigrated(t, postgresURL(t))) })
}

// primaryKey reads a table's primary key columns. The SQLite driver's
// ColumnTypes marks only the first column of a composite key, so SQLite asks
// PRAGMA table_info instead.
func primaryKey(t *testing.T, s *Store, table string, cols []gorm.ColumnType) []string {
	var pk []string
	if s.dialect == SQLite {
		var info []struct {
			Name string
			Pk   int
		}
		if err := s.db.Raw("SELECT name, pk FROM pragma_table_info(?)", table).Scan(&info).Error; err != nil {
			t.Fatal(err)
		}
		for _, c := range info {
			if c.Pk > 0 {
				pk = append(pk, c.Name)
			}
		}
		return pk
	}
	for _, c := range cols {
		if p, ok := c.PrimaryKey(); ok && p {
			pk = append(pk, c.Name())
		}
	}
	return pk
}

func openMigrated(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}
