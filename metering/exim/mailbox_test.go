package exim

import (
	"testing"

	"github.com/mailmeter/mailmeter/metering"
)

func FuzzMailbox(f *testing.F) {
	for _, s := range []string{"Alice+News@Example.COM", "<bob@x.org>", " <> ", "føø+x@Ex.org", "+a@b", "a+b+c", "plain", ""} {
		f.Add(s, "+")
	}
	f.Add("user-tag@x.org", "-")
	f.Add("user+tag@x.org", "")
	f.Fuzz(func(t *testing.T, addr, delim string) {
		n := newNames(delim)
		if got, want := n.mailbox([]byte(addr)), metering.MailboxFor(addr, delim); got != want {
			t.Fatalf("mailbox(%q, %q) = %q, MailboxFor = %q", addr, delim, got, want)
		}
	})
}
