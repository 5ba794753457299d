// Package store is the one place that talks to the database: gorm over a
// pure-Go SQLite driver (the embedded default) or over PostgreSQL. It runs
// the embedded migrations and implements the domain's store interfaces
// (directory.Store and billing.Store with their Tx, metering.UsageStore …), translating driver errors into
// *metering.Error kinds. Row structs stay unexported here.
package store
