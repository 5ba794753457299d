package loggen_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/loggen"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// demo is a small run across New Year's midnight with every scenario: the
// sample logs in testdata that people read and other packages may use.
func demo() loggen.Config {
	cfg := loggen.DefaultConfig()
	cfg.Start = time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC)
	cfg.Messages = 40
	cfg.Mailboxes, cfg.Domains = 12, 3
	cfg.DeferShare, cfg.BounceShare = 0.25, 0.1
	return cfg
}

func TestGolden(t *testing.T) {
	cases := []struct {
		name string
		g    genFunc
	}{{"postfix-demo", loggen.Postfix}, {"exim-demo", loggen.Exim}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, tr := gen(t, c.g, demo())
			truth, err := json.MarshalIndent(tr, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", c.name+".log"), out)
			golden(t, filepath.Join("testdata", c.name+".truth.json"), append(truth, '\n'))
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the generated output; if the change is intended, go test -update", path)
	}
}
