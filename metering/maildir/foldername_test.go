package maildir_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/maildir"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

func TestFolderName(t *testing.T) {
	tests := []struct{ dir, want string }{
		{"Sent", "Sent"},
		{"A.B", "A.B"},
		{"INBOX.spam", "INBOX.spam"},
		{"Entw&APw-rfe", "Entwürfe"},                    // Dovecot's default
		{"Co&APY-rdineren", "Coördineren"},              // MAILDIR.md's example
		{"&U,BTFw-.&ZeVnLIqe-", "台北.日本語"},               // RFC 3501 §5.1.3, "," for "/"
		{"&2D3eAA-", "😀"},                               // a surrogate pair
		{"Tom&-Jerry", "Tom&Jerry"},                     // "&-" is "&"
		{"Tom&Jerry", "Tom&Jerry"},                      // not modified UTF-7: kept as written
		{"&AGE-", "&AGE-"},                              // encoded ASCII is not valid: kept
		{"&2D0-", "&2D0-"},                              // unpaired surrogate: kept
		{"&APw", "&APw"},                                // unended run: kept
		{"Entwürfe", "Entwürfe"},                        // UTF-8 on disk (Dovecot's UTF-8 option)
		{"Entw\xfcrfe", `Entw\xfcrfe`},                  // Latin-1: not UTF-8, escaped
		{"\xff\xfe", `\xff\xfe`},                        // nothing decodable
		{"a\nb", `a\x0ab`},                              // a control character in the name
		{"&AAo-", `\x0a`},                               // one encoded in modified UTF-7
		{"Gel\xc3\xb6scht\xc2\x85", `Gelöscht\xc2\x85`}, // a C1 control
	}
	for _, tt := range tests {
		if got := maildir.FolderName(tt.dir); got != tt.want {
			t.Errorf("FolderName(%q) = %q, want %q", tt.dir, got, tt.want)
		}
	}
}

// Whatever a directory is called, its folder name is text the database
// takes, and names of printable ASCII without "&" are left alone.
func FuzzFolderName(f *testing.F) {
	for _, s := range []string{"Sent", "Entw&APw-rfe", "&U,BTFw-.&ZeVnLIqe-", "Tom&Jerry", "Entw\xfcrfe", "a\nb", "&2D3eAA-", "&-", "&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dir string) {
		name := maildir.FolderName(dir)
		if err := metering.CheckText("folder", name); err != nil {
			t.Fatalf("FolderName(%q) = %q: %v", dir, name, err)
		}
		if !strings.Contains(dir, "&") && metering.CheckText("folder", dir) == nil && name != dir {
			t.Fatalf("FolderName(%q) = %q, want it unchanged", dir, name)
		}
	})
}

// oddTree lays out acme.example with alice, whose folders have every kind
// of name (Latin-1, modified UTF-7, UTF-8, a line end, one Maildir++ does
// not allow), bob, and a directory whose name is an address with a control
// character.
func oddTree(t *testing.T) (root string, layout *maildir.Layout) {
	root = t.TempDir()
	alice := filepath.Join(root, "acme.example", "alice")
	maildirs(t, alice, ".Sent", ".Entw\xfcrfe", ".Entw&APw-rfe", ".Entwürfe", ".a\nb", ".not..maildir++")
	for dir, size := range map[string]int{".Sent": 100, ".Entw\xfcrfe": 200, ".Entw&APw-rfe": 300, ".Entwürfe": 400, ".a\nb": 5} {
		writeFile(t, filepath.Join(alice, dir, "cur", "1.h,S="+strconv.Itoa(size)+":2,S"), size)
	}
	bob := filepath.Join(root, "acme.example", "bob")
	maildirs(t, bob)
	writeFile(t, filepath.Join(bob, "new", "1.b,S=1000"), 1000)
	maildirs(t, filepath.Join(root, "acme.example", "\"x\ty\""))
	return root, mustLayout(t, filepath.Join(root, "%d", "%n"), "")
}

var oddNow = time.Date(2026, 11, 10, 12, 30, 0, 0, time.UTC)

// gauges returns the last storage_bytes of each mailbox/folder stored in
// the hour of oddNow.
func gauges(t *testing.T, s *store.Store) map[string]int64 {
	t.Helper()
	gs, err := s.Gauges(context.Background(), metering.UsageQuery{From: oddNow.Add(-time.Hour), To: oddNow.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, g := range gs {
		if g.Metric == metering.StorageBytes {
			out[g.Mailbox+"/"+g.Folder] = g.Last
		}
	}
	return out
}

var oddWant = map[string]int64{
	"alice@acme.example/": 1005, "alice@acme.example/INBOX": 0, "alice@acme.example/Sent": 100,
	`alice@acme.example/Entw\xfcrfe`: 200, "alice@acme.example/Entwürfe": 700, `alice@acme.example/a\x0ab`: 5,
	"bob@acme.example/": 1000, "bob@acme.example/INBOX": 1000,
}

// A folder whose name is not UTF-8 once stopped storage metering for the
// whole tree: PostgreSQL refused the batch ("invalid byte sequence for
// encoding UTF8") and every flush after it. Now the scan stores every
// mailbox, such names escaped, and reports the directory that is no
// address.
func TestScanStoresOddFolderNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		_, layout := oddTree(t)
		rep, err := (&maildir.Scanner{Layout: layout, Now: func() time.Time { return oddNow }}).Scan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		rec := metering.NewRecorder(s, nil)
		rep.Emit(rec)
		if err := rec.Flush(context.Background(), nil); err != nil {
			t.Fatalf("storing the scan: %v", err)
		}
		if diff := cmp.Diff(oddWant, gauges(t, s)); diff != "" {
			t.Errorf("stored gauges (-want +got):\n%s", diff)
		}
		var bad []string
		for _, p := range rep.Problems {
			bad = append(bad, string(p.Kind)+" "+filepath.Base(p.Path))
		}
		if diff := cmp.Diff([]string{"unknown \"x\ty\"", "unknown .not..maildir++"}, bad); diff != "" {
			t.Errorf("problems (-want +got):\n%s", diff)
		}
	})
}

// The watcher stores such names too: at start, for a folder created while
// it watches, and when the mailbox goes away.
func TestWatcherStoresOddFolderNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		root, layout := oddTree(t)
		rec := metering.NewRecorder(s, nil)
		w, err := maildir.NewWatcher(context.Background(), maildir.WatcherOptions{Layout: layout, Sink: rec, Now: func() time.Time { return oddNow }})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		flush := func() {
			t.Helper()
			if err := rec.Flush(context.Background(), nil); err != nil {
				t.Fatalf("storing the watcher's samples: %v", err)
			}
		}
		flush()
		if diff := cmp.Diff(oddWant, gauges(t, s)); diff != "" {
			t.Errorf("stored gauges at start (-want +got):\n%s", diff)
		}
		if n := w.Stats().Problems[maildir.Unknown]; n < 2 { // re-reads count a lasting problem again
			t.Errorf("problems of kind unknown counted: %d, want at least 2 (the odd mailbox and the odd folder)", n)
		}
		bob := filepath.Join(root, "acme.example", "bob")
		maildirs(t, bob, ".Gel\xf6scht")
		writeFile(t, filepath.Join(bob, ".Gel\xf6scht", "cur", "1.g,S=7:2,S"), 7)
		waitFor(t, func() bool { u, _ := w.Mailbox("bob@acme.example"); return u.Folders[`Gel\xf6scht`].Bytes == 7 }, "the new folder")
		flush()
		if got := gauges(t, s)[`bob@acme.example/Gel\xf6scht`]; got != 7 {
			t.Errorf("new folder stored as %d bytes, want 7", got)
		}
		if err := os.RemoveAll(filepath.Join(root, "acme.example", "alice")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() bool { _, ok := w.Mailbox("alice@acme.example"); return !ok }, "alice to go")
		flush()
		for k, v := range gauges(t, s) {
			if strings.HasPrefix(k, "alice@") && v != 0 {
				t.Errorf("%s = %d after the mailbox went, want 0", k, v)
			}
		}
	})
}
