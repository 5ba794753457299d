package exim

import (
	"bytes"

	"github.com/mailmeter/mailmeter/metering"
)

// maxNames bounds the intern table of mailbox and domain names.
const maxNames = 1 << 16

// names canonicalizes addresses exactly like metering.MailboxFor (an ASCII
// fast path; IDNs go through MailboxFor) and interns
// the results, so steady-state metering allocates no strings.
type names struct {
	delim   []byte
	table   map[string]string
	scratch []byte
	build   []byte
}

func newNames(delim string) *names {
	return &names{delim: []byte(delim), table: make(map[string]string)}
}

// intern returns b as a string, shared with earlier equal strings.
func (n *names) intern(b []byte) string {
	if s, ok := n.table[string(b)]; ok {
		return s
	}
	if len(n.table) >= maxNames {
		clear(n.table)
	}
	s := string(b)
	n.table[s] = s
	return s
}

// mailbox is metering.MailboxFor(addr, delim) for addr given as bytes.
// ASCII addresses without "--" (which an A-label has) take a fast path;
// the others go through MailboxFor, whose IDNA checks them.
func (n *names) mailbox(addr []byte) string {
	a := bytes.TrimSpace(addr)
	if len(a) >= 2 && a[0] == '<' && a[len(a)-1] == '>' {
		a = a[1 : len(a)-1]
	}
	if len(a) == 0 {
		return ""
	}
	var plain bool
	if n.scratch, plain = lowerPlain(n.scratch[:0], a); !plain {
		return n.intern([]byte(metering.MailboxFor(string(addr), string(n.delim))))
	}
	m := stripDelimTag(n.scratch, n.delim)
	if m[len(m)-1] == '.' && bytes.IndexByte(m, '@') >= 0 {
		m = m[:len(m)-1] // the root's dot
	}
	return n.intern(m)
}

// localMailbox builds the mailbox of "local@domain" from a local part and
// the address it was routed from.
func (n *names) localMailbox(local, original []byte) string {
	at := bytes.LastIndexByte(original, '@')
	if at < 0 {
		return n.mailbox(local)
	}
	n.build = append(append(n.build[:0], local...), original[at:]...)
	return n.mailbox(n.build)
}

// domain returns the canonical domain of addr (as metering.MailboxFor
// gives it), or "".
func (n *names) domain(addr []byte) string {
	at := bytes.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	d := addr[at+1:]
	if len(d) > 0 && d[len(d)-1] == '>' {
		d = d[:len(d)-1]
	}
	var plain bool
	if n.scratch, plain = lowerPlain(n.scratch[:0], d); !plain {
		return n.intern([]byte(metering.DomainOf(metering.MailboxFor("x@"+string(d), ""))))
	}
	if k := len(n.scratch); k > 0 && n.scratch[k-1] == '.' {
		n.scratch = n.scratch[:k-1]
	}
	return n.intern(n.scratch)
}

// lowerPlain appends b lower-cased (ASCII) to dst; plain is false if b
// has a non-ASCII byte or "--" (as A-labels do), which need IDNA.
func lowerPlain(dst, b []byte) (out []byte, plain bool) {
	var prev byte
	for _, c := range b {
		switch {
		case c >= 0x80, c == '-' && prev == '-':
			return dst, false
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		dst = append(dst, c)
		prev = c
	}
	return dst, true
}

// stripDelimTag removes the delimiter tag from the local part of a lower-cased
// address, as MailboxFor does.
func stripDelimTag(a, delim []byte) []byte {
	if len(delim) == 0 {
		return a
	}
	at := bytes.LastIndexByte(a, '@')
	if at < 0 {
		at = len(a)
	}
	i := bytes.Index(a[:at], delim)
	if i <= 0 {
		return a
	}
	return append(a[:i], a[at:]...)
}

// rcptHash hashes an envelope recipient case-insensitively (FNV-1a).
func rcptHash(addr []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range addr {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
