package maildir_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/maildir"
)

// mkdirs creates directories (and parents) under root.
func mkdirs(t testing.TB, root string, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// maildirs creates a Maildir with the given folders (".Sent" …) under
// root: tmp, new and cur in the root and in each folder.
func maildirs(t testing.TB, root string, folders ...string) {
	t.Helper()
	for _, f := range append([]string{""}, folders...) {
		mkdirs(t, root, filepath.Join(f, "tmp"), filepath.Join(f, "new"), filepath.Join(f, "cur"))
		if f != "" {
			writeFile(t, filepath.Join(root, f, "maildirfolder"), 0)
		}
	}
}

// writeFile creates path holding size bytes.
func writeFile(t testing.TB, path string, size int) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Repeat("x", size)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// deliver writes a message the Maildir way: into tmp/, then renamed into
// new/ (dir is the folder root).
func deliver(t testing.TB, dir, name string, size int) {
	t.Helper()
	tmp := filepath.Join(dir, "tmp", name)
	writeFile(t, tmp, size)
	if err := os.Rename(tmp, filepath.Join(dir, "new", name)); err != nil {
		t.Fatal(err)
	}
}

// rename moves a file, failing the test on error.
func rename(t testing.TB, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

// sink records storage samples and signals each one on changed.
type sink struct {
	mu      sync.Mutex
	samples []metering.StorageSample
	changed chan struct{} // nil: no signal
}

func newSink() *sink { return &sink{changed: make(chan struct{}, 1)} }

func (s *sink) Count(metering.Event)           {}
func (s *sink) Latency(metering.LatencySample) {}
func (s *sink) Storage(x metering.StorageSample) {
	s.mu.Lock()
	s.samples = append(s.samples, x)
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// last returns the latest sample per mailbox and folder.
func (s *sink) last() map[[2]string]metering.StorageSample {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[[2]string]metering.StorageSample{}
	for _, x := range s.samples {
		m[[2]string{x.Mailbox, x.Folder}] = x
	}
	return m
}

// faultFS wraps the real file system: ReadDir of a path in deny fails with
// EACCES (as chmod 000 would for a non-root user), and before ReadDir of a
// path in hooks the hook runs.
type faultFS struct {
	maildir.OSFS
	deny  map[string]bool
	hooks map[string]func()
	mu    sync.Mutex
}

func (f *faultFS) ReadDir(dir string, fn func(string, fs.FileMode)) error {
	f.mu.Lock()
	hook := f.hooks[dir]
	delete(f.hooks, dir)
	f.mu.Unlock()
	if hook != nil {
		hook()
	}
	f.mu.Lock()
	deny := f.deny[dir]
	f.mu.Unlock()
	if deny {
		return &fs.PathError{Op: "open", Path: dir, Err: syscall.EACCES}
	}
	return f.OSFS.ReadDir(dir, fn)
}
