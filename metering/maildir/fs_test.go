package maildir_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/metering/maildir"
)

// OSFS.ReadDir lists what os.ReadDir lists, names and types, for a
// directory of every kind of entry and more names than one read returns.
func TestOSFSReadDirListsAsOSReadDir(t *testing.T) {
	dir := t.TempDir()
	for i := range 3000 {
		name := fmt.Sprintf("%d.M%dP%d.mx1.example.net,S=%d,W=%d:2,S", 1700000000+i, i, i, i, i)
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, odd := range []string{"sp ace", "ünï", "bad\xffbyte", strings.Repeat("x", 255)} {
		if err := os.WriteFile(filepath.Join(dir, odd), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".Sent"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("elsewhere", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, e := range entries {
		want = append(want, fmt.Sprintf("%q %v", e.Name(), e.Type()))
	}
	err = maildir.OSFS{}.ReadDir(dir, func(name string, typ fs.FileMode) {
		got = append(got, fmt.Sprintf("%q %v", name, typ))
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(want)
	sort.Strings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-os.ReadDir +OSFS.ReadDir):\n%s", diff)
	}
	if len(got) != 3000+4+3 {
		t.Errorf("%d entries, want %d", len(got), 3000+4+3)
	}
}
