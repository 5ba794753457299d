package contentfilter_test

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering/contentfilter"
	"github.com/mailmeter/mailmeter/metering/logline"
)

func fixtureLines(t *testing.T, dir, pattern string) map[string][]string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, pattern))
	out := map[string][]string{}
	for _, name := range files {
		fh, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			out[name] = append(out[name], sc.Text())
		}
		fh.Close()
	}
	return out
}

// TestFixtures parses every line of the amavis, spamassassin, clamav and
// rspamd fixtures: no panic, each line a verdict or an explicit reason,
// and specific lines parsed to the right fields.
func TestFixtures(t *testing.T) {
	dir := testenv.Fixtures(t)
	var parsed []contentfilter.Verdict
	for _, pat := range []string{"amavis/*.log", "spamassassin/*.log", "clamav/*.log", "rspamd/*.log"} {
		for name, lines := range fixtureLines(t, dir, pat) {
			counts := map[string]int{}
			for _, line := range lines {
				msg, parse := []byte(line), parserFor(filepath.Base(filepath.Dir(name)))
				if !strings.HasSuffix(name, ".msg.log") {
					e, err := logline.Parse(msg)
					if err != nil {
						counts["no envelope"]++
						continue
					}
					msg = e.Message
					if e.Program != "" { // else a filter's own log file
						parse = parserFor(e.Daemon)
					}
				}
				if parse == nil {
					counts["other program"]++
					continue
				}
				v, err := parse(msg)
				if err != nil {
					counts[err.Error()]++
					continue
				}
				counts["verdict "+v.Source.String()]++
				parsed = append(parsed, v)
			}
			t.Logf("%s: %v", filepath.Base(name), sorted(counts))
		}
	}
	checkFixtureVerdicts(t, parsed)
}

func sorted(m map[string]int) []string {
	var s []string
	for k, v := range m {
		s = append(s, k+"="+itoa(v))
	}
	sort.Strings(s)
	return s
}

func itoa(n int) string {
	b := []byte{}
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		if n /= 10; n == 0 {
			return string(b)
		}
	}
}

// checkFixtureVerdicts asserts fields of known fixture lines.
func checkFixtureVerdicts(t *testing.T, vs []contentfilter.Verdict) {
	find := func(pred func(v contentfilter.Verdict) bool) *contentfilter.Verdict {
		for i := range vs {
			if pred(vs[i]) {
				return &vs[i]
			}
		}
		return nil
	}
	if v := find(func(v contentfilter.Verdict) bool { return string(v.QueueID) == "83B741009CD35" }); v == nil {
		t.Error("crowdsec-amavis: Queue-ID 83B741009CD35 verdict not found")
	} else if !v.Blocked || !v.Virus || v.Size != 28646 || string(v.Detail) != "Porcupine.Phishing.55542.UNOFFICIAL" {
		t.Errorf("crowdsec-amavis verdict: %+v", flatten(*v))
	}
	if v := find(func(v contentfilter.Verdict) bool { return string(v.QueuedAs) == "7D978307BD" }); v == nil {
		t.Error("zentyal-amavis: queued_as 7D978307BD not found")
	} else if v.Blocked || !v.Spam || string(v.Sender) != "spam@zentyal.org" {
		t.Errorf("zentyal-amavis verdict: %+v", flatten(*v))
	}
	if v := find(func(v contentfilter.Verdict) bool { return v.Source == contentfilter.SourceClamAV }); v == nil {
		t.Error("imscp-clamav-milter: infected line not found")
	} else if string(v.Detail) != "Eicar-Test-Signature" || string(v.Sender) != "nuxwin@domain.tld" {
		t.Errorf("clamav verdict: %+v", flatten(*v))
	}
	if v := find(func(v contentfilter.Verdict) bool { return v.Source == contentfilter.SourceSpamd && v.Size == 55475 }); v == nil {
		t.Error("sekoia-spamassassin: spamd result size=55475 not found")
	}
}

// parserFor picks the parser for a program (or a fixture directory), as
// a log processor dispatching on the syslog tag would.
func parserFor(program string) func([]byte) (contentfilter.Verdict, error) {
	switch program {
	case "amavis", "amavisd", "amavisd-new":
		return contentfilter.ParseAmavis
	case "spamd", "spamassassin":
		return contentfilter.ParseSpamd
	case "clamav-milter", "clamav":
		return contentfilter.ParseClamAV
	case "rspamd":
		return contentfilter.ParseRspamd
	}
	return nil
}
