package maildir_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering/maildir"
)

// fixtures returns $MAILMETER_FIXTURES/maildir, or skips the test.
func fixtures(t *testing.T) string {
	t.Helper()
	return filepath.Join(testenv.Fixtures(t), "maildir")
}

// TestFixtureMaildirsize checks every real maildirsize file against the
// table of MAILDIR.md §3.
func TestFixtureMaildirsize(t *testing.T) {
	dir := fixtures(t)
	want := map[string]struct {
		quota           maildir.Quota
		lines           int
		bytes, messages int64
	}{
		"jonathanPHP-SIGSITE.maildirsize":     {maildir.Quota{Bytes: 1048576000}, 46, 2638287, 45},
		"haxhex-Ayandap-root.maildirsize":     {maildir.Quota{Bytes: 1073741824}, 15, 49887, 14},
		"haxhex-Ayandap-ceo.maildirsize":      {maildir.Quota{}, 113, 6198339, 8},
		"haxhex-Ayandap-info.maildirsize":     {maildir.Quota{}, 267, 108807, 5},
		"dkagrawal9-Suratec.maildirsize":      {maildir.Quota{Bytes: 5368709120}, 19, 109179, 55},
		"Rupreht-cpquota.maildirsize":         {maildir.Quota{Bytes: 31457280}, 1, 31456150, 114},
		"iranpsc-Meli-MAP.maildirsize":        {maildir.Quota{}, 1, 299, 1},
		"newtonxraper-webapp2apk.maildirsize": {maildir.Quota{}, 1, 0, 0},
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.maildirsize"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no maildirsize fixtures in %s: %v", dir, err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			w, ok := want[name]
			if !ok {
				t.Fatalf("%s is not in the MAILDIR.md §3 table; add it", name)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m, err := maildir.ParseMaildirsize(data)
			if err != nil {
				t.Fatal(err)
			}
			if m.Quota != w.quota || m.Lines != w.lines || m.Bytes != w.bytes || m.Messages != w.messages || m.Malformed != 0 {
				t.Errorf("got quota %+v, %d lines (%d malformed), %d bytes / %d msgs; want %+v, %d lines, %d / %d",
					m.Quota, m.Lines, m.Malformed, m.Bytes, m.Messages, w.quota, w.lines, w.bytes, w.messages)
			}
		})
	}
}

// TestFixtureFilenames checks, for every message file listed in
// filenames.tsv (columns repo, commit, blob_bytes, path), that the size read
// from its name equals blob_bytes, where blob_bytes is a number (one row
// says BAD: git could not size that blob). Paths outside cur/ and new/ are
// metadata and must be ignored by a scan.
func TestFixtureFilenames(t *testing.T) {
	f, err := os.Open(filepath.Join(fixtures(t), "filenames.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() || sc.Text() != "repo\tcommit\tblob_bytes\tpath" {
		t.Fatalf("unexpected header %q", sc.Text())
	}
	messagePath := regexp.MustCompile(`(^|/)(cur|new)/[^/]+$`) // message files in cur/ or new/
	checked := 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 4 {
			t.Fatalf("bad row %q", sc.Text())
		}
		if !messagePath.MatchString(cols[3]) {
			continue
		}
		n := maildir.ParseName(filepath.Base(cols[3]))
		if !n.HasSize {
			t.Errorf("%s: no S= parsed", cols[3])
			continue
		}
		want, err := strconv.ParseInt(cols[2], 10, 64)
		if err != nil {
			continue // "BAD": no size to compare with
		}
		checked++
		if n.Size != want {
			t.Errorf("%s: S=%d, blob is %d bytes", cols[3], n.Size, want)
		}
		if n.HasVirtualSize && n.VirtualSize < n.Size {
			t.Errorf("%s: W=%d smaller than S=%d", cols[3], n.VirtualSize, n.Size)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if checked < 25 {
		t.Errorf("only %d message rows checked", checked)
	}
	t.Logf("%d message file names checked against their blob sizes", checked)
}

// TestFixtureTreesScan rebuilds the Maildir trees listed in filenames.tsv
// (every file at its blob size, metadata included) and checks that a scan
// of each Maildir counts exactly the message files in cur/ and new/, at
// their blob sizes, and agrees with the real maildirsize files of the same
// mailboxes (MAILDIR.md §3 and §6.1).
func TestFixtureTreesScan(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixtures(t), "filenames.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	type total struct{ bytes, messages int64 }
	want := map[string]total{} // Maildir root → expected usage
	messagePath := regexp.MustCompile(`(^|/)(cur|new)/[^/]+$`)
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		cols := strings.Split(line, "\t")
		size, err := strconv.ParseInt(cols[2], 10, 64)
		if err != nil {
			// "BAD": git could not size the blob; its name says S=, which
			// equals the blob size on every other row.
			size = maildir.ParseName(filepath.Base(cols[3])).Size
		}
		i := strings.Index(cols[3], "Maildir")
		if i < 0 {
			continue // not in a Maildir ("imap/ayandap.ir", a link in git)
		}
		root := filepath.Join(base, strings.ReplaceAll(cols[0], "/", "_"), cols[3][:i+len("Maildir")])
		p := filepath.Join(base, strings.ReplaceAll(cols[0], "/", "_"), cols[3])
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(p)
		if err == nil {
			err = f.Truncate(size) // sparse: the sizes matter, not the bytes
			f.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		w := want[root]
		if messagePath.MatchString(cols[3]) {
			w.bytes += size
			w.messages++
		}
		want[root] = w
	}
	s := &maildir.Scanner{}
	for root, w := range want {
		u, problems := s.ScanMailbox("x@example.com", root)
		if len(problems) != 0 {
			t.Errorf("%s: problems %v", root, problems)
		}
		if u.Bytes != w.bytes || u.Messages != w.messages {
			t.Errorf("%s: scanned %d bytes / %d messages, want %d / %d", root, u.Bytes, u.Messages, w.bytes, w.messages)
		}
	}
	quota := map[string]string{ // Maildir in the rebuilt tree → its maildirsize sample
		"haxhex_WordPress-Theme-Ayandap/Maildir":                       "haxhex-Ayandap-root.maildirsize",
		"haxhex_WordPress-Theme-Ayandap/imap/ayandap.com/ceo/Maildir":  "haxhex-Ayandap-ceo.maildirsize",
		"haxhex_WordPress-Theme-Ayandap/imap/ayandap.com/info/Maildir": "haxhex-Ayandap-info.maildirsize",
		"iranpsc_Meli-MAP-front/Maildir":                               "iranpsc-Meli-MAP.maildirsize",
	}
	for dir, file := range quota {
		data, err := os.ReadFile(filepath.Join(fixtures(t), file))
		if err != nil {
			t.Fatal(err)
		}
		m, err := maildir.ParseMaildirsize(data)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := s.ScanMailbox("x@example.com", filepath.Join(base, dir))
		if d := maildir.Drift(u, m); !d.Zero() {
			t.Errorf("%s: scan and %s disagree: %+v", dir, file, d)
		}
	}
	if len(want) < 4 {
		t.Errorf("only %d Maildir roots in the fixture", len(want))
	}
}
