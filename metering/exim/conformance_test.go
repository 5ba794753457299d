package exim_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering/exim"
)

// fixtures returns $MAILMETER_FIXTURES, skipping the test when it is unset.
func fixtures(t *testing.T) string {
	t.Helper()
	return testenv.Fixtures(t)
}

// TestFixtureConformance parses every line of every Exim fixture: no line
// may panic, and each must be a known kind or fail with an exim.Error
// reason. It logs the counts per file.
func TestFixtureConformance(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fixtures(t), "exim", "*.log"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no exim fixtures: %v", err)
	}
	total := map[string]int{}
	unknownFiles := map[string]int{}
	for _, f := range files {
		kinds := map[string]int{}
		for _, line := range readLines(t, f) {
			r, err := exim.ParseLine(line)
			var reason exim.Error
			switch {
			case err == nil && r.Kind != exim.KindUnknown:
				kinds[r.Kind.String()]++
			case errors.As(err, &reason):
				kinds["unknown: "+string(reason)]++
				unknownFiles[filepath.Base(f)]++
			default:
				t.Errorf("%s: line neither classified nor rejected with a reason (err %v): %s", f, err, line)
			}
		}
		t.Logf("%-42s %s", filepath.Base(f), summary(kinds))
		for k, n := range kinds {
			total[k] += n
		}
	}
	t.Logf("%-42s %s", "all", summary(total))
	// The only lines not recognized carry an application-added token
	// before the text (documented in PROVENANCE.md for that file).
	for f, n := range unknownFiles {
		if f != "alaveteli-exim-bad-utf8.log" {
			t.Errorf("%s: %d unrecognized lines", f, n)
		}
	}
}

func summary(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + strconv.Itoa(m[k]) + " ")
	}
	return b.String()
}

// TestFixtureProcessor runs every fixture through a Processor: no panic,
// every line accounted for in the stats.
func TestFixtureProcessor(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(fixtures(t), "exim", "*.log"))
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p := newProcessor(t, exim.Options{YearRef: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)})
			lines := readLines(t, f)
			s := run(t, p, lines)
			st := p.Stats()
			var n int64
			for _, c := range st.Records {
				n += c
			}
			for _, c := range st.Unknown {
				n += c
			}
			if st.Lines != int64(len(lines)) || n != st.Lines {
				t.Errorf("lines %d, records+unknown %d, want %d", st.Lines, n, len(lines))
			}
			for reason, samples := range st.Samples {
				if len(samples) > 5 {
					t.Errorf("%s: %d samples kept, want at most 5", reason, len(samples))
				}
			}
			t.Logf("events %d, latency samples %d, open %d", len(s.events), len(s.samples), st.Open)
		})
	}
}

// TestFixtureTestsuiteSidecar checks the curated test-suite lines against
// their .tsv sidecar (test number, line) and that every test's lines parse.
func TestFixtureTestsuiteSidecar(t *testing.T) {
	dir := filepath.Join(fixtures(t), "exim")
	lines := readLines(t, filepath.Join(dir, "exim-testsuite-curated.log"))
	tsv := readLines(t, filepath.Join(dir, "exim-testsuite-curated.tsv"))
	if len(tsv) != len(lines) {
		t.Fatalf("%d sidecar rows for %d lines", len(tsv), len(lines))
	}
	tests := map[string]bool{}
	for i, row := range tsv {
		num, line, ok := bytes.Cut(row, []byte("\t"))
		if !ok || !bytes.Equal(line, lines[i]) {
			t.Fatalf("sidecar row %d does not match log line:\n%s\n%s", i+1, row, lines[i])
		}
		tests[string(num)] = true
		if _, err := exim.ParseLine(line); err != nil {
			t.Errorf("test %s: %v: %s", num, err, line)
		}
	}
	t.Logf("%d lines from %d Exim test-suite tests, all recognized", len(lines), len(tests))
}

// fixtureLine returns the first line of file containing all of subs.
func fixtureLine(t *testing.T, file string, subs ...string) exim.Record {
	t.Helper()
	for _, line := range readLines(t, filepath.Join(fixtures(t), file)) {
		ok := true
		for _, s := range subs {
			ok = ok && bytes.Contains(line, []byte(s))
		}
		if ok {
			r, err := exim.ParseLine(line)
			if err != nil {
				t.Fatalf("%s: %v: %s", file, err, line)
			}
			return r
		}
	}
	t.Fatalf("%s: no line with %q", file, subs)
	return exim.Record{}
}

// formatsExamples returns the mainlog examples quoted in FORMATS.md
// section 2, without their "[source]" annotations.
func formatsExamples(t *testing.T) [][]byte {
	data, err := os.ReadFile(filepath.Join(fixtures(t), "FORMATS.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, sec, _ := bytes.Cut(data, []byte("## 2. Exim"))
	sec, _, _ = bytes.Cut(sec, []byte("## 3."))
	var out [][]byte
	for _, line := range bytes.Split(sec, []byte("\n")) {
		if len(line) > 0 && line[0] >= '0' && line[0] <= '9' {
			line, _, _ = bytes.Cut(line, []byte("   "))
			out = append(out, line)
		}
	}
	return out
}

func TestFixtureFields(t *testing.T) {
	t.Run("FORMATS.md examples", func(t *testing.T) {
		ex := formatsExamples(t)
		if len(ex) < 5 {
			t.Fatalf("found %d examples", len(ex))
		}
		for _, line := range ex {
			if _, err := exim.ParseLine(line); err != nil {
				t.Errorf("%v: %s", err, line)
			}
		}
		r, _ := exim.ParseLine(ex[0])
		if r.Kind != exim.KindArrival || r.Size != 99310 || string(r.HostIP) != "127.0.0.1" ||
			string(r.ID) != "1b8rdd-0007KK-8q" || string(r.Recipients) != "localhost" {
			t.Errorf("alaveteli arrival: %+v", project(r))
		}
	})
	t.Run("logstash authenticated arrival", func(t *testing.T) {
		r := fixtureLine(t, "exim/logstash-patterns-core-exim-spec.log", "A=dovecot_plain")
		if r.Kind != exim.KindArrival || !r.HasAuth || string(r.AuthName) != "dovecot_plain" ||
			string(r.AuthID) != "aaron@domain.com" || r.Size != 4315 || string(r.Recipients) != "aaron+forward@domain.com" {
			t.Errorf("got %+v", project(r))
		}
	})
	t.Run("long message ids", func(t *testing.T) {
		r := fixtureLine(t, "exim/exim-testsuite-curated.log", "10HmaX-000000005vi-0000 <=")
		if string(r.ID) != "10HmaX-000000005vi-0000" || r.Kind != exim.KindArrival {
			t.Errorf("got %+v", project(r))
		}
	})
	t.Run("log_timezone +0200", func(t *testing.T) {
		r := fixtureLine(t, "exim/exim-exporter-mainlog.log", "+0200 [789]")
		want := time.Date(2020, 6, 19, 23, 32, 57, 0, time.UTC)
		if !r.HasZone || !r.Time.Equal(want) || r.Kind != exim.KindFailure || r.PID != 789 {
			t.Errorf("got %+v, want time %v", project(r), want)
		}
	})
	t.Run("milliseconds", func(t *testing.T) {
		r := fixtureLine(t, "exim/crowdsec-exim-logs.log", "06:10:13.345")
		if r.Time.Nanosecond() != 345_000_000 || r.Kind != exim.KindAuthFailure {
			t.Errorf("got %+v", project(r))
		}
	})
	t.Run("munged queue time", func(t *testing.T) {
		r := fixtureLine(t, "exim/exim-testsuite-curated.log", "Completed QT=qqs")
		if r.Kind != exim.KindCompleted || r.QueueTime != exim.NoDuration {
			t.Errorf("got %+v", project(r))
		}
	})
	t.Run("exporter bounce arrival", func(t *testing.T) {
		r := fixtureLine(t, "exim/exim-exporter-mainlog.log", "1jmFas-0004f6-EB <= <>")
		if r.Size != 8656 || string(r.Router) != "1jmFYj-00039V-QX" || len(r.Address) != 0 || string(r.User) != "Debian-exim" {
			t.Errorf("got %+v", project(r))
		}
	})
	t.Run("syslog tag after ISO stamp", func(t *testing.T) {
		r := fixtureLine(t, "exim/fail2ban-exim.log", "mx1.fqdn.local exim[29786]")
		if r.Kind != exim.KindAuthFailure || string(r.AuthID) != "test@domain.com" || r.PID != 29786 {
			t.Errorf("got %+v", project(r))
		}
	})
	t.Run("sa-exim toss", func(t *testing.T) {
		r := fixtureLine(t, "exim/fail2ban-exim-spam.log", "From <> (host=NULL")
		if r.Kind != exim.KindSpam || string(r.Reason) != "silently tossed message" || string(r.Recipients) != "me@my.com" {
			t.Errorf("got %+v", project(r))
		}
	})
	t.Run("paniclog", func(t *testing.T) {
		for _, line := range readLines(t, filepath.Join(fixtures(t), "exim", "exim-exporter-paniclog.log")) {
			if r, err := exim.ParseLine(line); err != nil || r.Kind != exim.KindNote || len(r.ID) != 16 {
				t.Errorf("%v %+v: %s", err, project(r), line)
			}
		}
	})
}
