// Package migrations holds mailmeter's versioned SQL schema, one set per
// dialect (sqlite/, postgres/), embedded in the binary. Files are named
// NNNN_description.sql and applied in order, each in its own transaction,
// by the store's migrator; the schema never comes from gorm's AutoMigrate.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// For returns the migration files of a dialect ("sqlite" or "postgres").
func For(dialect string) (fs.FS, error) {
	return fs.Sub(files, dialect)
}
