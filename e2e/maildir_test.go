package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/maildir"
)

// checkMaildirs scans the Maildirs Postfix delivered to with the project's
// scanner and checks each mailbox holds one file per metered delivery and
// the scanner measures the sum of their sizes. Stored bytes are not
// metered bytes: qmgr's size= counts CRLF line ends while the files have
// LF, and virtual(8) prepends Return-Path:, X-Original-To: and
// Delivered-To:. So each file is reconciled with its message's size=
// exactly.
func checkMaildirs(t *testing.T, vmail string, want expectation) {
	ctx := testContext(t, time.Minute)
	layout, err := maildir.ParseLayout(filepath.Join(vmail, "%d", "%n"), "")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := (&maildir.Scanner{Layout: layout}).Scan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Problems {
		t.Errorf("maildir scan problem: %s", p)
	}
	var got []string
	for _, mb := range rep.Mailboxes {
		got = append(got, mb.Mailbox)
		checkMailbox(t, mb, want)
	}
	var wantBoxes []string
	for _, mb := range vmailboxes() {
		wantBoxes = append(wantBoxes, mb[0])
	}
	if !slices.Equal(got, wantBoxes) {
		t.Errorf("scanner found mailboxes %v, want %v", got, wantBoxes)
	}
}

// checkMailbox compares a scanned mailbox with its files and with what was
// metered into it.
func checkMailbox(t *testing.T, mb maildir.MailboxUsage, want expectation) {
	t.Helper()
	files := maildirFiles(t, mb.Path)
	var bytes, metered int64
	for _, f := range files {
		size, err := reconcile(f, want.sizes)
		if err != nil {
			t.Error(err)
		}
		bytes += fileSize(t, f)
		metered += size
	}
	w := want.usage[mb.Mailbox]
	t.Logf("maildir %-13s %d messages, %d bytes on disk (metered in: %d messages, %d bytes)",
		mb.Mailbox, mb.Messages, mb.Bytes, w[metering.InMessages], w[metering.InBytes])
	switch {
	case mb.Messages != w[metering.InMessages] || int(mb.Messages) != len(files):
		t.Errorf("%s: scanner counts %d messages, %d files on disk, %d metered deliveries", mb.Mailbox, mb.Messages, len(files), w[metering.InMessages])
	case mb.Bytes != bytes:
		t.Errorf("%s: scanner measures %d bytes, the files hold %d", mb.Mailbox, mb.Bytes, bytes)
	case metered != w[metering.InBytes]:
		t.Errorf("%s: the files reconcile to %d metered bytes, want %d", mb.Mailbox, metered, w[metering.InBytes])
	}
}

// reconcile reads a delivered file and returns the size= of its message
// (queue id from Postfix's Received: header), checking that the file is
// that message, counted with CRLF line ends, with the headers virtual(8)
// prepends: Return-Path:, X-Original-To:, Delivered-To:.
func reconcile(path string, sizes map[string]int64) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	content, prepended := b, map[string]bool{}
	for {
		line, rest, _ := bytes.Cut(content, []byte("\n"))
		name, _, _ := bytes.Cut(line, []byte(": "))
		if !slices.Contains([]string{"Return-Path", "X-Original-To", "Delivered-To"}, string(name)) {
			break
		}
		prepended[string(name)], content = true, rest
	}
	if !prepended["Return-Path"] || !prepended["Delivered-To"] {
		return 0, fmt.Errorf("%s: does not start with Return-Path: and Delivered-To:", path)
	}
	_, after, ok := bytes.Cut(content, []byte(" (Postfix) with ESMTP id "))
	if !ok {
		return 0, fmt.Errorf("%s: no Received: header of Postfix", path)
	}
	id := string(bytes.TrimSuffix(bytes.Fields(after)[0], []byte(";")))
	size, ok := sizes[id]
	if !ok {
		return 0, fmt.Errorf("%s: queue id %q has no qmgr size=", path, id)
	}
	if crlf := int64(len(content) + bytes.Count(content, []byte("\n"))); crlf != size {
		return size, fmt.Errorf("%s: message %s is %d bytes with CRLF line ends, qmgr logged size=%d", path, id, crlf, size)
	}
	return size, nil
}

// maildirFiles lists the message files of a Maildir (new/ and cur/).
func maildirFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	for _, sub := range []string{"new", "cur"} {
		m, err := filepath.Glob(filepath.Join(dir, sub, "*"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	return files
}
