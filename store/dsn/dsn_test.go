package dsn_test

import (
	"testing"

	"github.com/mailmeter/mailmeter/store/dsn"
)

func TestParse(t *testing.T) {
	for url, want := range map[string]string{
		"sqlite:./x.db": "sqlite", "postgres://u@h/db": "postgres", "postgresql://h/db": "postgres",
		"host=127.0.0.1 dbname=meter": "postgres",
		"mysql://x":                   "", "sqlite:": "", "x.db": "",
	} {
		got, err := dsn.Parse(url)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("Parse(%q) = %q, %v; want %q", url, got, err, want)
		}
	}
}
