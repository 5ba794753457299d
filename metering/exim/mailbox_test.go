package exim

import (
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/metering"
)

func FuzzMailbox(f *testing.F) {
	for _, s := range []string{"Alice+News@Example.COM.", "bob@XN--TDA.example", "bob+x@Ü.Example.", "<bob@x.org>", " <> ", "føø+x@Ex.org", "+a@b", "a+b+c", "plain", ""} {
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

func FuzzDomain(f *testing.F) {
	for _, s := range []string{"Alice@Example.COM.", "<bob@x.org>", "a@Ü.example", "a@XN--TDA.example", "nodomain", "a@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		n := newNames("+")
		at := strings.LastIndexByte(addr, '@')
		if at < 0 || strings.ContainsAny(addr, " \t\n\v\f\r<") {
			return // not an address token of an Exim line
		}
		want := metering.DomainOf(metering.MailboxFor("x@"+strings.TrimSuffix(addr[at+1:], ">"), ""))
		if got := n.domain([]byte(addr)); got != want {
			t.Fatalf("domain(%q) = %q, want %q", addr, got, want)
		}
	})
}
