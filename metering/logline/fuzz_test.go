package logline_test

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering/logline"
)

func FuzzParse(f *testing.F) {
	data, err := os.ReadFile("testdata/envelopes.log")
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var p logline.Parser
		e, err := p.Parse(line)
		if err != nil {
			return
		}
		if len(e.Message) > len(line) {
			t.Fatalf("message longer than line")
		}
		if e.Daemon != "" && e.Program[len(e.Program)-len(e.Daemon):] != e.Daemon {
			t.Fatalf("daemon %q not a suffix of program %q", e.Daemon, e.Program)
		}
		y := logline.NewYearInferrer(e.Time, nil)
		_ = y.Resolve(&e)
		_ = utf8.Valid(e.Message)
	})
}

// TestFixtures parses every line of the syslog-framed fixture files: none
// may panic, and the share of lines without an envelope is reported.
func TestFixtures(t *testing.T) {
	dir := testenv.Fixtures(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.log"))
	for _, name := range files {
		if filepath.Ext(name[:len(name)-4]) == ".msg" {
			continue // message parts only, no envelope
		}
		t.Run(filepath.Base(name), func(t *testing.T) {
			fh, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			var p logline.Parser
			sc := bufio.NewScanner(fh)
			sc.Buffer(nil, 1<<20)
			ok, bad := 0, 0
			for sc.Scan() {
				if _, err := p.Parse(sc.Bytes()); err != nil {
					bad++
					continue
				}
				ok++
			}
			t.Logf("%d lines with an envelope, %d without", ok, bad)
		})
	}
}
