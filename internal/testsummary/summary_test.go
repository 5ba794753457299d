package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSummaryOfARealRun runs go test -json over a throw-away module with a
// passing, a failing and two skipping tests and reads its summary.
func TestSummaryOfARealRun(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("go is not on PATH")
	}
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.test/m\n\ngo 1.22\n")
	write("m_test.go", `package m
import "testing"
func TestPass(t *testing.T) {}
func TestSub(t *testing.T) { t.Run("a", func(t *testing.T) {}) }
func TestFail(t *testing.T) { t.Fatal("boom") }
func TestSkipA(t *testing.T) { t.Skip("skipped: needs PostgreSQL (set X)") }
func TestSkipB(t *testing.T) { t.Skip("skipped: needs PostgreSQL (set X)") }
func TestSkipC(t *testing.T) { t.Skip("no reason given this way") }
`)
	var out, errOut bytes.Buffer
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	code := run(t.Context(), []string{"-count=1", "./..."}, &out, &errOut)
	if code != 1 {
		t.Errorf("exit code %d, want 1 (a test failed); stderr: %s", code, errOut.String())
	}
	text := out.String()
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if got, want := lines[len(lines)-1], "tests: 3 passed, 1 failed, 3 skipped"; got != want {
		t.Errorf("closing line %q, want %q\n%s", got, want, text)
	}
	for _, want := range []string{"   2  skipped: needs PostgreSQL (set X)", "   1  no reason given this way", "FAIL\texample.test/m", "--- FAIL: TestFail", "boom"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	// As go test without -v: nothing of the tests that passed.
	for _, not := range []string{"=== RUN", "--- PASS", "TestPass"} {
		if strings.Contains(text, not) {
			t.Errorf("output shows %q, as go test -v would:\n%s", not, text)
		}
	}
}

func TestReason(t *testing.T) {
	for _, c := range []struct {
		out  []string
		want string
	}{
		{[]string{"=== RUN   TestX\n", "    x_test.go:12: skipped: needs root (run as root)\n", "--- SKIP: TestX (0.00s)\n"}, "skipped: needs root (run as root)"},
		{[]string{"=== RUN   TestX\n", "--- SKIP: TestX (0.00s)\n"}, "skipped without a reason"},
	} {
		if got := reason(c.out); got != c.want {
			t.Errorf("reason(%q) = %q, want %q", c.out, got, c.want)
		}
	}
}

func TestNonJSONLinesPassThrough(t *testing.T) {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	s := newSummary()
	if err := s.read(strings.NewReader("go: downloading x\n{\"Action\":\"pass\",\"Package\":\"p\",\"Test\":\"T\"}\n"), w); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if b.String() != "go: downloading x\n" || s.passed != 1 {
		t.Errorf("got %q, passed %d", b.String(), s.passed)
	}
}
