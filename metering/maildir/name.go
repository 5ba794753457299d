package maildir

import "strings"

// Name is what a message file name says about the message.
type Name struct {
	// Base is the stable identity of the message: the name up to the first
	// "," or the info part, whichever comes first. Flag changes and the move
	// from new/ to cur/ keep it.
	Base string
	// Size is the physical size from ",S=<n>"; valid when HasSize.
	Size    int64
	HasSize bool
	// VirtualSize is the CRLF size from ",W=<n>"; valid when HasVirtualSize.
	VirtualSize    int64
	HasVirtualSize bool
	// Info is the info part without its separator ("2,S"), "" if none.
	Info string
}

// ParseName parses a Maildir message file name. It never fails: a name
// without size fields yields HasSize false, and the caller must stat the
// file.
//
// As Dovecot does, "S=" and "W=" are read only from the ","-separated fields
// before the info part, and only when the digits are followed by ":", ",",
// the end of the name, or a mangled info separator ("_2,", ";2,", "!2,", as
// left by tools that rewrite ":"). Other size tags such as Exim's ":S370"
// are not parsed.
func ParseName(name string) Name {
	head, info := splitInfo(name)
	n := Name{Base: head, Info: info}
	if i := strings.IndexByte(head, ','); i >= 0 {
		n.Base = head[:i]
		n.parseFields(head[i+1:])
	}
	return n
}

// BaseName returns the stable identity of a message file name; see Name.Base.
func BaseName(name string) string {
	head, _ := splitInfo(name)
	if i := strings.IndexByte(head, ','); i >= 0 {
		return head[:i]
	}
	return head
}

// splitInfo splits name at its info separator: the first ":", or else a
// mangled "_2,", ";2,", "!2," followed only by flag letters up to the end
// or a ",".
func splitInfo(name string) (head, info string) {
	if i := strings.IndexByte(name, ':'); i >= 0 {
		return name[:i], name[i+1:]
	}
	if i := mangledInfo(name); i >= 0 {
		return name[:i], name[i+1:]
	}
	return name, ""
}

// mangledInfo returns the index of a mangled info separator in name, or -1.
func mangledInfo(name string) int {
	for i := strings.LastIndex(name, "2,"); i > 0; i = strings.LastIndex(name[:i], "2,") {
		switch name[i-1] {
		case '_', ';', '!':
			if flagsOnly(name[i+2:]) {
				return i - 1
			}
		}
	}
	return -1
}

// flagsOnly reports whether s is a run of flag letters, optionally followed
// by a ","-introduced extra field.
func flagsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ',' {
			return true
		}
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// parseFields reads S= and W= from the ","-separated fields after the base.
func (n *Name) parseFields(fields string) {
	for fields != "" {
		f := fields
		if i := strings.IndexByte(fields, ','); i >= 0 {
			f, fields = fields[:i], fields[i+1:]
		} else {
			fields = ""
		}
		if len(f) < 3 || f[1] != '=' {
			continue
		}
		v, ok := parseSize(f[2:])
		switch {
		case !ok:
		case f[0] == 'S':
			n.Size, n.HasSize = v, true
		case f[0] == 'W':
			n.VirtualSize, n.HasVirtualSize = v, true
		}
	}
}

// parseSize parses a non-negative decimal of at most 18 digits.
func parseSize(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}
