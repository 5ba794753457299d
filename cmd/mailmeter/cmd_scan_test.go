package main

import (
	"context"
	"time"

	"encoding/json"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScanCLI(t *testing.T) {
	root := t.TempDir()
	db := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	mk := func(rel string, size int) {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(strings.Repeat("x", size)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"acme.example/bob/tmp", "acme.example/bob/.Sent/tmp", "acme.example/carol/new"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	mk("acme.example/bob/cur/1700000000.M1P1.mx,S=1200:2,S", 10)    // S= wins, no stat
	mk("acme.example/bob/new/1700000001.M2P1.mx", 300)              // stat
	mk("acme.example/bob/tmp/1700000002.M3P1.mx", 999)              // not counted
	mk("acme.example/bob/.Sent/cur/1700000003.M4P1.mx,S=50:2,S", 1) // folder
	mk("acme.example/bob/dovecot.index", 4096)                      // metadata
	mk("acme.example/carol/new/1700000004.M5P1.mx,S=7", 7)
	os.MkdirAll(filepath.Join(root, "not-a-domain!/x"), 0o755)
	// bob's Maildir++ quota file counts one message too few.
	mk("acme.example/bob/maildirsize", 0)
	os.WriteFile(filepath.Join(root, "acme.example/bob/maildirsize"), []byte("10000S,100C\n1200 1\n300 1\n"), 0o644)

	r := runCLI(t, nil, "scan", "--layout", "%d/%n", "--json", root, "--db", db)
	if r.code != 0 {
		t.Fatalf("scan: %+v", r)
	}
	var got []struct {
		Quota    map[string]int64            `json:"maildirsize"`
		Mailbox  string                      `json:"mailbox"`
		Bytes    int64                       `json:"storage_bytes"`
		Messages int64                       `json:"storage_messages"`
		Folders  map[string]map[string]int64 `json:"folders"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Mailbox != "bob@acme.example" || got[0].Bytes != 1550 || got[0].Messages != 3 {
		t.Fatalf("scan = %+v", got)
	}
	if got[0].Folders["Sent"]["storage_bytes"] != 50 || got[0].Folders["INBOX"]["storage_messages"] != 2 {
		t.Errorf("folders = %+v", got[0].Folders)
	}
	if q := got[0].Quota; q["quota_bytes"] != 10000 || q["bytes"] != 1500 || q["drift_bytes"] != -50 || q["drift_messages"] != -1 {
		t.Errorf("maildirsize report = %v", q)
	}
	if !strings.Contains(r.stderr, "bob@acme.example: maildirsize says 1500 bytes / 2 messages") {
		t.Errorf("drift not reported: %q", r.stderr)
	}
	if !strings.Contains(r.stderr, "not-a-domain!") {
		t.Errorf("unknown directory not reported: %q", r.stderr)
	}
	s, err := store.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	gs, err := s.Gauges(context.Background(), metering.UsageQuery{From: time.Now().Add(-2 * time.Hour), To: time.Now().Add(time.Hour), Mailboxes: []string{"bob@acme.example"}})
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[string]int64{}
	for _, g := range gs {
		recorded[g.Folder+"/"+string(g.Metric)] = g.Last
	}
	if recorded["/storage_bytes"] != 1550 || recorded["Sent/storage_bytes"] != 50 || recorded["INBOX/storage_messages"] != 2 {
		t.Errorf("recorded gauges = %v", recorded)
	}
	if r := runCLI(t, nil, "scan", "--layout", "%n", root, "--db", db); r.code != 2 || !strings.Contains(r.stderr, "layout") {
		t.Errorf("layout without domain: %+v", r)
	}
}
