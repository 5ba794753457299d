package logline_test

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/mailmeter/mailmeter/metering/logline"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"Feb  7 12:25:45 xxx12345 postfix/smtpd[13275]: connect from x[1.2.3.4]",
		"2024-08-26T01:33:38.572449+00:00 machine postfix/smtpd[60203]: NOQUEUE",
		"@400000004c91b044077a9e94 imap-login: Info: Aborted",
		"Jun 17 14:37:39 <mail.info> robin sm-mta[2794]: r",
		"mail.example.com exim[3751842]: 2021-07-17 23:20:49 plain",
		"2020-06-20 01:32:57 +0200 [789] x",
		"<13>Jan 1 00:00:00 h p[1]:",
	} {
		f.Add([]byte(s))
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
	dir := os.Getenv("MAILMETER_FIXTURES")
	if dir == "" {
		t.Skip("MAILMETER_FIXTURES not set; skipping fixture conformance")
	}
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
