// Package testenv says, in one wording everywhere, why a test skips:
//
//	skipped: needs WHAT (HOW to get it, or why it is missing)
//
// Every skipping test of mailmeter goes through it, so `make test`
// (internal/testsummary) can list the distinct reasons in its summary and a
// developer without PostgreSQL, fixtures or a mail server sees at once what
// did not run and how to run it.
package testenv

import (
	"fmt"
	"os"
	"testing"
)

// Prefix starts every skip message.
const Prefix = "skipped: needs "

// Message is the skip line for what is missing and how to get it.
func Message(what, how string) string {
	if how == "" {
		return Prefix + what
	}
	return fmt.Sprintf("%s%s (%s)", Prefix, what, how)
}

// Skip skips t, saying what it needs and how to get it.
func Skip(t testing.TB, what, how string) {
	t.Helper()
	t.Skip(Message(what, how))
}

// SkipUnless skips t unless ok, saying what it needs and how to get it.
func SkipUnless(t testing.TB, ok bool, what, how string) {
	t.Helper()
	if !ok {
		Skip(t, what, how)
	}
}

// EnvPostgres names the PostgreSQL server tests create their databases on.
const EnvPostgres = "MAILMETER_TEST_POSTGRES"

// EnvFixtures names the folder of real-world samples the conformance tests read.
const EnvFixtures = "MAILMETER_FIXTURES"

// Postgres returns the server named by MAILMETER_TEST_POSTGRES or skips t.
func Postgres(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvPostgres)
	SkipUnless(t, dsn != "", "PostgreSQL",
		"set "+EnvPostgres+"=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	return dsn
}

// Fixtures returns the folder named by MAILMETER_FIXTURES or skips t.
func Fixtures(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(EnvFixtures)
	SkipUnless(t, dir != "", "the real-world fixtures", "set "+EnvFixtures+" to their folder, e.g. ../shared/fixtures")
	return dir
}

// Long skips t under -short: it needs a long run.
func Long(t testing.TB, what string) {
	t.Helper()
	SkipUnless(t, !testing.Short(), "a long run: "+what, "run without -short")
}
