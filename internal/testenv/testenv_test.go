package testenv_test

import (
	"testing"

	"github.com/mailmeter/mailmeter/internal/testenv"
)

func TestMessage(t *testing.T) {
	for _, c := range []struct{ what, how, want string }{
		{"PostgreSQL", "set MAILMETER_TEST_POSTGRES", "skipped: needs PostgreSQL (set MAILMETER_TEST_POSTGRES)"},
		{"root", "", "skipped: needs root"},
	} {
		if got := testenv.Message(c.what, c.how); got != c.want {
			t.Errorf("Message(%q, %q) = %q, want %q", c.what, c.how, got, c.want)
		}
	}
}

// recorder is a testing.TB whose Skip records its message (and does not
// end the goroutine), so the test itself is not reported as skipped.
type recorder struct {
	testing.TB
	skipped []string
}

func (r *recorder) Helper()          {}
func (r *recorder) Skip(args ...any) { r.skipped = append(r.skipped, args[0].(string)) }

func TestSkipUnless(t *testing.T) {
	r := &recorder{TB: t}
	testenv.SkipUnless(r, true, "nothing", "")
	if len(r.skipped) != 0 {
		t.Fatalf("SkipUnless(true) skipped: %q", r.skipped)
	}
	testenv.SkipUnless(r, false, "something", "get it")
	if len(r.skipped) != 1 || r.skipped[0] != "skipped: needs something (get it)" {
		t.Fatalf("SkipUnless(false) skipped with %q", r.skipped)
	}
}
