package postfix

import "github.com/mailmeter/mailmeter/metering"

// maxCached bounds the address and name caches; they are emptied when full.
const maxCached = 1 << 16

// names maps raw log bytes to normalized strings without allocating for
// addresses and names seen before.
type names struct {
	delim     string
	mailboxes map[string]string // raw address → metering.MailboxFor
	interned  map[string]string // logins, domains
}

func newNames(delim string) names {
	return names{delim: delim, mailboxes: make(map[string]string), interned: make(map[string]string)}
}

// mailbox returns metering.MailboxFor(addr, delim).
func (n *names) mailbox(addr []byte) string {
	if s, ok := n.mailboxes[string(addr)]; ok {
		return s
	}
	s := metering.MailboxFor(string(addr), n.delim)
	if len(n.mailboxes) >= maxCached {
		clear(n.mailboxes)
	}
	n.mailboxes[string(addr)] = s
	return s
}

// login returns the mailbox an authenticated login meters to: an address
// is normalized like a recipient; a login without '@' is kept as written.
func (n *names) login(b []byte) string {
	for _, c := range b {
		if c == '@' {
			return n.mailbox(b)
		}
	}
	return n.intern(b)
}

// intern returns string(b), shared with earlier equal values.
func (n *names) intern(b []byte) string {
	if s, ok := n.interned[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(n.interned) >= maxCached {
		clear(n.interned)
	}
	n.interned[s] = s
	return s
}

// domainOf returns the interned, lower-cased domain of a sender address.
func (n *names) domainOf(addr []byte) string {
	at := -1
	for i, c := range addr {
		if c == '@' {
			at = i
		}
	}
	if at < 0 {
		return ""
	}
	return metering.DomainOf(n.mailbox(addr))
}
