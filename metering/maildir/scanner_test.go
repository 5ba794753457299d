package maildir_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/maildir"
)

// buildTree lays out a /var/vmail/%d/%n store with every folder kind, odd
// names, metadata, symlinks and entries that fit no mailbox. It returns the
// root and the usage a correct scan reports.
func buildTree(t *testing.T) (string, []maildir.MailboxUsage) {
	root := t.TempDir()
	alice := filepath.Join(root, "example.com", "alice")
	maildirs(t, alice, ".Sent", ".Trash", ".Junk", ".A.B", ".INBOX.spam")
	writeFile(t, filepath.Join(alice, "new", "1.h,S=100,W=105"), 100)
	writeFile(t, filepath.Join(alice, "cur", "2.h,S=50:2,S"), 50)
	writeFile(t, filepath.Join(alice, "cur", "3.h"), 70)               // no S=: stat
	writeFile(t, filepath.Join(alice, "cur", "4.h:S370"), 30)          // Exim tag, not parsed: stat
	writeFile(t, filepath.Join(alice, "cur", "5.h,W=400"), 20)         // W= only: stat for S
	writeFile(t, filepath.Join(alice, "cur", "6.h,S=10,W=12_2,S"), 10) // mangled ":"
	writeFile(t, filepath.Join(alice, "tmp", "7.h,S=999"), 999)        // partial delivery: never counted
	for _, meta := range []string{"dovecot-uidlist", "dovecot.index", "dovecot.index.cache", "maildirsize",
		"subscriptions", "courierimapuiddb", ".uidvalidity", "dovecot-uidvalidity.5f4775ec"} {
		writeFile(t, filepath.Join(alice, meta), 5000)
	}
	for _, meta := range []string{".hidden", "dovecot-uidlist", "maildirfolder", "courierimapkeywords"} {
		writeFile(t, filepath.Join(alice, "cur", meta), 5000)
	}
	mkdirs(t, alice, "courierimapkeywords", ".notafolder")
	writeFile(t, filepath.Join(alice, ".Sent", "cur", "8.h,S=299,W=310:2,S"), 299)
	writeFile(t, filepath.Join(alice, ".Junk", "new", "9.h,S=1"), 1)
	writeFile(t, filepath.Join(alice, ".A.B", "cur", "10.h,S=5:2,"), 5)
	writeFile(t, filepath.Join(alice, ".INBOX.spam", "cur", "11.h,S=7:2,S"), 7)

	erin := filepath.Join(root, "example.org", "erin")
	maildirs(t, erin, ".Sent")
	writeFile(t, filepath.Join(erin, "cur", "1.e,S=1000:2,S"), 1000)

	// A symlink loop and links out of the tree: none followed, all reported.
	carol := filepath.Join(root, "example.com", "carol")
	maildirs(t, carol)
	writeFile(t, filepath.Join(carol, "new", "1.c,S=3"), 3)
	symlink(t, ".", filepath.Join(carol, ".Loop"))
	symlink(t, "../cur", filepath.Join(carol, "cur", "loop"))
	symlink(t, filepath.Join(erin, "cur"), filepath.Join(carol, ".Escape"))
	symlink(t, "alice", filepath.Join(root, "example.com", "dave"))

	// Entries that are not mailboxes.
	mkdirs(t, root, "example.com/Not Valid", "bad_domain!/x", "example.com/..x")
	writeFile(t, filepath.Join(root, "example.com", "stray-file"), 1)

	inbox := maildir.FolderUsage{Bytes: 100 + 50 + 70 + 30 + 20 + 10, Messages: 6, VirtualBytes: 105 + 50 + 70 + 30 + 400 + 12}
	want := []maildir.MailboxUsage{
		usage("alice@example.com", alice, map[string]maildir.FolderUsage{
			"INBOX": inbox,
			"Sent":  {Bytes: 299, Messages: 1, VirtualBytes: 310}, "Trash": {},
			"Junk": {Bytes: 1, Messages: 1, VirtualBytes: 1}, "A.B": {Bytes: 5, Messages: 1, VirtualBytes: 5},
			"INBOX.spam": {Bytes: 7, Messages: 1, VirtualBytes: 7},
		}),
		usage("carol@example.com", carol, map[string]maildir.FolderUsage{"INBOX": {Bytes: 3, Messages: 1, VirtualBytes: 3}}),
		usage("erin@example.org", erin, map[string]maildir.FolderUsage{"INBOX": {Bytes: 1000, Messages: 1, VirtualBytes: 1000}, "Sent": {}}),
	}
	return root, want
}

func usage(mailbox, path string, folders map[string]maildir.FolderUsage) maildir.MailboxUsage {
	m := maildir.MailboxUsage{Mailbox: mailbox, Path: path, Folders: folders}
	for _, f := range folders {
		m.Bytes += f.Bytes
		m.Messages += f.Messages
		m.VirtualBytes += f.VirtualBytes
	}
	return m
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func mustLayout(t testing.TB, template, domain string) *maildir.Layout {
	t.Helper()
	l, err := maildir.ParseLayout(template, domain)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// problemSet returns "kind path" for each problem, sorted, with paths
// relative to root.
func problemSet(t *testing.T, root string, ps []maildir.Problem) []string {
	var out []string
	for _, p := range ps {
		rel, err := filepath.Rel(root, p.Path)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(p.Kind)+" "+rel)
	}
	sort.Strings(out)
	return out
}

func TestScan(t *testing.T) {
	root, want := buildTree(t)
	s := &maildir.Scanner{Layout: mustLayout(t, filepath.Join(root, "%d/%n"), ""), Workers: 2}
	rep, err := s.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, rep.Mailboxes); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
	got := problemSet(t, root, rep.Problems)
	wantProblems := []string{
		"symlink example.com/carol/.Escape",
		"symlink example.com/carol/.Loop",
		"symlink example.com/carol/cur/loop",
		"symlink example.com/dave",
		"unknown bad_domain!/x",
		"unknown example.com/..x",
		"unknown example.com/Not Valid",
		"unknown example.com/stray-file",
	}
	if diff := cmp.Diff(wantProblems, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	// Only the three names without S= are stat()ed.
	if rep.Stats.Stats != 3 {
		t.Errorf("stat calls = %d, want 3", rep.Stats.Stats)
	}
}

func TestScanUnreadableDirectory(t *testing.T) {
	root, want := buildTree(t)
	fsys := &faultFS{deny: map[string]bool{}}
	sent := filepath.Join(root, "example.com", "alice", ".Sent", "cur")
	if err := os.Chmod(sent, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(sent, 0o755) })
	if _, err := os.ReadDir(sent); err == nil {
		// Running as root (or with CAP_DAC_OVERRIDE): mode 000 does not stop
		// reads, so the fault-injecting FS refuses the directory instead.
		t.Logf("chmod 000 does not block reads here (euid %d); simulating EACCES through the injected FS", os.Geteuid())
		fsys.deny[sent] = true
	}
	// A file where a directory is expected is unreadable for everyone.
	erinCur := filepath.Join(root, "example.org", "erin", ".Sent", "cur")
	if err := os.Remove(erinCur); err != nil {
		t.Fatal(err)
	}
	writeFile(t, erinCur, 10)

	s := &maildir.Scanner{Layout: mustLayout(t, filepath.Join(root, "%d/%n"), ""), FS: fsys}
	rep, err := s.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	alice := want[0]
	alice.Folders["Sent"] = maildir.FolderUsage{}
	want[0] = usage(alice.Mailbox, alice.Path, alice.Folders)
	if diff := cmp.Diff(want, rep.Mailboxes); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
	got := problemSet(t, root, rep.Problems)
	for _, p := range []string{"unreadable example.com/alice/.Sent/cur", "unreadable example.org/erin/.Sent/cur"} {
		if !contains(got, p) {
			t.Errorf("problems %q lack %q", got, p)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestScanMailboxDeletedDuringScan(t *testing.T) {
	for _, at := range []string{"", "cur", ".Sent/new"} {
		t.Run("before reading "+at, func(t *testing.T) {
			root, want := buildTree(t)
			alice := filepath.Join(root, "example.com", "alice")
			fsys := &faultFS{hooks: map[string]func(){
				filepath.Join(alice, at): func() {
					if err := os.RemoveAll(alice); err != nil {
						t.Error(err)
					}
				},
			}}
			s := &maildir.Scanner{Layout: mustLayout(t, filepath.Join(root, "%d/%n"), ""), FS: fsys}
			rep, err := s.Scan(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want[1:], rep.Mailboxes); diff != "" {
				t.Errorf("usage (-want +got):\n%s", diff)
			}
			var vanished []string
			for _, p := range rep.Problems {
				if p.Kind == maildir.Vanished {
					vanished = append(vanished, p.Mailbox)
				}
			}
			if diff := cmp.Diff([]string{"alice@example.com"}, vanished); diff != "" {
				t.Errorf("vanished (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScanProgressAndEmit(t *testing.T) {
	root, want := buildTree(t)
	at := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	var calls [][2]int
	s := &maildir.Scanner{
		Layout:   mustLayout(t, filepath.Join(root, "%d/%n"), ""),
		Progress: func(done, total int) { calls = append(calls, [2]int{done, total}) },
		Now:      func() time.Time { return at },
	}
	rep, err := s.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][2]int{{1, 3}, {2, 3}, {3, 3}}, calls); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	var sk sink
	rep.Emit(&sk)
	var wantSamples []metering.StorageSample
	for _, m := range want {
		wantSamples = append(wantSamples, metering.StorageSample{Time: at, Mailbox: m.Mailbox, Bytes: m.Bytes, Messages: m.Messages})
		names := make([]string, 0, len(m.Folders))
		for f := range m.Folders {
			names = append(names, f)
		}
		sort.Strings(names)
		for _, f := range names {
			u := m.Folders[f]
			wantSamples = append(wantSamples, metering.StorageSample{Time: at, Mailbox: m.Mailbox, Folder: f, Bytes: u.Bytes, Messages: u.Messages})
		}
	}
	if diff := cmp.Diff(wantSamples, sk.samples); diff != "" {
		t.Errorf("samples (-want +got):\n%s", diff)
	}
}

func TestScanCancelled(t *testing.T) {
	root, _ := buildTree(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := &maildir.Scanner{Layout: mustLayout(t, filepath.Join(root, "%d/%n"), "")}
	if _, err := s.Scan(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Scan with cancelled context: err = %v, want context.Canceled", err)
	}
}
