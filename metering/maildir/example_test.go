package maildir_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mailmeter/mailmeter/metering/maildir"
)

func Example() {
	root, _ := os.MkdirTemp("", "maildir-example")
	defer os.RemoveAll(root)
	box := filepath.Join(root, "example.com", "bob")
	for _, d := range []string{"cur", "new", "tmp", ".Sent/cur", ".Sent/new", ".Sent/tmp"} {
		os.MkdirAll(filepath.Join(box, d), 0o755)
	}
	os.WriteFile(filepath.Join(box, "new", "1700000000.M1P1.mx,S=120,W=123"), nil, 0o644)
	os.WriteFile(filepath.Join(box, ".Sent", "cur", "1700000001.M2P2.mx,S=80:2,S"), nil, 0o644)
	os.WriteFile(filepath.Join(box, "maildirsize"), []byte("0S\n120 1\n80 1\n"), 0o644)

	layout, err := maildir.ParseLayout(filepath.Join(root, "%d", "%n"), "")
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := (&maildir.Scanner{Layout: layout}).Scan(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range rep.Mailboxes {
		fmt.Println(m.Mailbox, m.Bytes, m.Messages, m.Folders["INBOX"].Bytes, m.Folders["Sent"].Bytes)
		file, err := maildir.ReadMaildirsize(m.Path)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("maildirsize agrees:", maildir.Drift(m, file).Zero())
	}
	// Output:
	// bob@example.com 200 2 120 80
	// maildirsize agrees: true
}
