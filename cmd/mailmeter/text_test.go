package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// The directory commands and token create refuse control characters with
// a message naming the field and a non-zero exit, and record nothing.
func TestCLIRefusesControlCharacters(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	vars := map[string]string{"MAILMETER_DB": db, "MAILMETER_JWT_SECRET": "0123456789abcdef0123456789abcdef-test"}
	for _, args := range [][]string{
		{"customer", "add", "acme", "--name", "Acme GmbH"},
		{"domain", "add", "acme.example", "--customer", "acme"},
	} {
		if r := runCLI(t, vars, args...); r.code != 0 {
			t.Fatalf("%v: %+v", args, r)
		}
	}
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"customer", "add", "globex", "--name", "Globex\nInc"}, "name: control character U+000A"},
		{[]string{"customer", "update", "acme", "--plan", "gold\x00"}, "plan: control character U+0000"},
		{[]string{"mailbox", "add", "\"a\nb\"@acme.example"}, "address: control character U+000A"},
		{[]string{"domain", "move", "acme.example", "--customer", "ac\rme"}, "customer: control character U+000D"},
		{[]string{"token", "create", "--role", "customer", "--subject", "ac\x1bme"}, "subject: control character U+001B"},
	}
	for _, s := range steps {
		r := runCLI(t, vars, s.args...)
		if r.code == 0 || !strings.Contains(r.stderr, s.want) {
			t.Errorf("%q: exit %d, stderr %q; want a failure saying %q", s.args, r.code, r.stderr, s.want)
		}
	}
	r := runCLI(t, vars, "customer", "list", "--json")
	if r.code != 0 || strings.Contains(r.stdout, "globex") || strings.Contains(r.stdout, "gold") {
		t.Errorf("customer list after refusals: %+v", r)
	}
	if r := runCLI(t, vars, "mailbox", "list", "--json"); r.code != 0 || strings.Contains(r.stdout, `a\nb`) {
		t.Errorf("mailbox list after refusals: %+v", r)
	}
}
