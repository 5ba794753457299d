package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// event is one line of `go test -json` (test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// summary counts test results and gathers skip reasons.
type summary struct {
	passed, failed, skipped int
	brokenPkgs              []string       // packages that failed without a failing test (build errors, panics)
	pkgFailedTests          map[string]int // failed tests per package
	output                  map[string][]string
	reasons                 map[string]int // skip reason → tests
}

func newSummary() *summary {
	return &summary{pkgFailedTests: map[string]int{}, output: map[string][]string{}, reasons: map[string]int{}}
}

// read consumes go test -json from r, writing to w what go test without
// -v would print: failing tests' output and the packages' lines.
func (s *summary) read(r io.Reader, w *bufio.Writer) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			w.Write(line) // not test2json: pass it on
			w.WriteByte('\n')
			continue
		}
		s.add(e, w)
	}
	return sc.Err()
}

func (s *summary) add(e event, w *bufio.Writer) {
	key := e.Package + "\x00" + e.Test
	switch e.Action {
	case "output", "build-output":
		// As go test without -v: a test's output only if it fails (below),
		// a package's lines but its bare PASS.
		if e.Test != "" {
			s.output[key] = append(s.output[key], e.Output)
			return
		}
		if e.Output != "PASS\n" && !strings.HasPrefix(e.Output, "=== ") {
			w.WriteString(e.Output)
		}
		if strings.HasPrefix(e.Output, "ok ") || strings.HasPrefix(e.Output, "FAIL") {
			w.Flush()
		}
	case "pass":
		if e.Test != "" {
			s.passed++
		}
		delete(s.output, key)
	case "skip":
		if e.Test != "" {
			s.skipped++
			s.reasons[reason(s.output[key])]++
		}
		delete(s.output, key)
	case "fail":
		if e.Test != "" {
			s.failed++
			s.pkgFailedTests[e.Package]++
			for _, o := range s.output[key] {
				if !strings.HasPrefix(o, "=== ") {
					w.WriteString(o)
				}
			}
		} else if s.pkgFailedTests[e.Package] == 0 {
			s.brokenPkgs = append(s.brokenPkgs, e.Package)
		}
		delete(s.output, key)
	case "build-fail":
		s.brokenPkgs = append(s.brokenPkgs, e.Package)
	}
}

// reason finds why a test skipped in its output: the testenv line
// ("skipped: needs …"), else the last line t.Skip printed.
func reason(out []string) string {
	last := ""
	for _, o := range out {
		o = strings.TrimSpace(o)
		if o == "" || strings.HasPrefix(o, "=== ") || strings.HasPrefix(o, "--- SKIP") {
			continue
		}
		if _, msg, ok := strings.Cut(o, ": "); ok && strings.Contains(o, ".go:") {
			o = msg // drop "file_test.go:12: "
		}
		if strings.HasPrefix(o, "skipped: ") {
			return o
		}
		last = o
	}
	if last == "" {
		return "skipped without a reason"
	}
	return last
}

// print writes the skip reasons, broken packages and the closing line.
func (s *summary) print(w io.Writer) {
	if len(s.reasons) > 0 {
		fmt.Fprintln(w, "\nskipped tests, by reason:")
		rs := make([]string, 0, len(s.reasons))
		for r := range s.reasons {
			rs = append(rs, r)
		}
		sort.Strings(rs)
		for _, r := range rs {
			fmt.Fprintf(w, "  %4d  %s\n", s.reasons[r], r)
		}
	}
	for _, p := range s.brokenPkgs {
		fmt.Fprintf(w, "package %s failed outside its tests (build error, panic or timeout; see above)\n", p)
	}
	failed := s.failed + len(s.brokenPkgs)
	fmt.Fprintf(w, "\ntests: %d passed, %d failed, %d skipped\n", s.passed, failed, s.skipped)
}
