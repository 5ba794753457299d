package postfix_test

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering/logline"
	"github.com/mailmeter/mailmeter/metering/postfix"
)

// fixtureDir returns $MAILMETER_FIXTURES or skips the test.
func fixtureDir(t *testing.T) string {
	t.Helper()
	return testenv.Fixtures(t)
}

// readLines returns the lines of a fixture file.
func readLines(t *testing.T, name string) []string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// messagePart strips the envelope of a syslog line; .msg.log lines are
// message parts already.
func messagePart(name, line string) (msg []byte, program string, ok bool) {
	if strings.HasSuffix(name, ".msg.log") {
		return []byte(line), "", true
	}
	e, err := logline.Parse([]byte(line))
	if err != nil {
		return nil, "", false
	}
	return e.Message, e.Program, true
}

// TestParseLineFixtures parses every Postfix line of every fixture file:
// none may panic, and each is either a known kind or an explicit reason.
func TestParseLineFixtures(t *testing.T) {
	dir := fixtureDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "postfix", "*.log"))
	clam, _ := filepath.Glob(filepath.Join(dir, "clamav", "*.log"))
	files = append(files, clam...)
	total := map[string]int{}
	for _, name := range files {
		counts := map[string]int{}
		sidecar := sidecarPrograms(t, name)
		for i, line := range readLines(t, name) {
			msg, prog, ok := messagePart(name, line)
			if i < len(sidecar) && sidecar[i] != "" {
				prog = sidecar[i]
			}
			switch {
			case !ok:
				counts["unknown: no envelope"]++
				continue
			case prog != "" && !strings.Contains(prog, "postfix") && !isPostfixDaemon(prog):
				counts["other program"]++
				continue
			}
			r, err := postfix.ParseLine(msg)
			if err != nil {
				counts["unknown: "+err.Error()]++
				if testing.Verbose() {
					t.Logf("%s: %v: %.160s", filepath.Base(name), err, msg)
				}
				continue
			}
			counts[r.Kind.String()]++
		}
		t.Logf("%s: %s", filepath.Base(name), summary(counts))
		unknown := 0
		for k, n := range counts {
			if strings.HasPrefix(k, "unknown: ") {
				unknown += n
			}
		}
		// The crafted exporter file holds deliberately broken lines; the
		// logwatch file holds fragments its harness cut out of real lines.
		allowed := map[string]int{"sergeymakinen-exporter-crafted.log": 16, "logwatch-postfix-TD.msg.log": 7}
		if max := allowed[filepath.Base(name)]; unknown > max {
			t.Errorf("%s: %d Postfix lines not recognized, want at most %d", filepath.Base(name), unknown, max)
		}
		for k, v := range counts {
			total[k] += v
		}
	}
	t.Logf("ALL: %s", summary(total))
}

func summary(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + itoa(m[k]) + " ")
	}
	return b.String()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}

// sidecarPrograms returns, per line of a .msg.log fixture, the program its
// .tsv sidecar names ("" when unknown): sekoia and grok name the program,
// logwatch tags policy-server lines "spf", "pg" and "pfw".
func sidecarPrograms(t *testing.T, name string) []string {
	if !strings.HasSuffix(name, ".msg.log") {
		return nil
	}
	tsv := strings.TrimSuffix(name, ".log") + ".tsv"
	if _, err := os.Stat(tsv); err != nil {
		return nil
	}
	var out []string
	for _, row := range readLines(t, tsv) {
		cols := strings.Split(row, "\t")
		prog := ""
		switch {
		case strings.Contains(name, "logwatch"):
			switch strings.TrimRight(cols[0], "Q") {
			case "spf", "pg", "pfw":
				prog = "policy-" + cols[0]
			}
		case len(cols) >= 3:
			prog = cols[1]
		}
		out = append(out, prog)
	}
	return out
}

// isPostfixDaemon recognizes the grok sidecar's bare daemon names.
func isPostfixDaemon(p string) bool {
	switch p {
	case "anvil", "bounce", "cleanup", "discard", "dnsblog", "error", "local", "lmtp", "master", "pickup",
		"pipe", "postdrop", "postfix-script", "postmap", "postscreen", "postsuper", "qmgr", "scache",
		"sendmail", "smtp", "smtpd", "tlsmgr", "tlsproxy", "trivial-rewrite", "verify", "virtual":
		return true
	}
	return false
}
