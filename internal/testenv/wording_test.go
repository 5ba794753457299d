package testenv_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// skipCall is a direct skip: t.Skip, b.Skipf, tb.SkipNow …
var skipCall = regexp.MustCompile(`(?:^|[^.\w])([a-z]+)\.Skip(?:f|Now)?\(`)

// TestEverySkipSaysWhyTheSameWay holds the repository to one wording: a
// test that skips calls testenv (Skip, SkipUnless, Postgres, Fixtures,
// Long), never t.Skip directly.
func TestEverySkipSaysWhyTheSameWay(t *testing.T) {
	root := filepath.Join("..", "..")
	var bad []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		// testsummary's tests run skips on purpose.
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.Contains(path, filepath.Join("internal", "testenv")) ||
			strings.Contains(path, filepath.Join("internal", "testsummary")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if m := skipCall.FindStringSubmatch(line); m != nil && m[1] != "testenv" && !strings.HasPrefix(strings.TrimSpace(line), "//") {
				bad = append(bad, fmt.Sprintf("%s:%d: ", path, i+1)+strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("skip through internal/testenv (Skip, SkipUnless, Postgres, Fixtures, Long) so every skip reads "+
			"\"skipped: needs WHAT (HOW)\":\n%s", strings.Join(bad, "\n"))
	}
}
