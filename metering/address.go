package metering

import (
	"fmt"
	"strings"

	"golang.org/x/net/idna"
)

// DefaultDelimiter is the recipient delimiter stripped from local parts:
// user+tag@example.com meters to user@example.com.
const DefaultDelimiter = "+"

// maxAddressInput bounds the input CanonicalMailbox looks at: anything
// longer cannot be a valid address (254 characters, or four times as many
// bytes of U-labels), and IDNA work on it is not worth doing.
const maxAddressInput = 1024

// CanonicalMailbox returns the canonical form of a mailbox address: the one
// form mailmeter stores, looks up and compares everywhere (directory,
// metering, the policy server, the API). Spellings that Postfix delivers to
// the same mailbox have the same canonical form:
//   - surrounding space and one pair of angle brackets are removed;
//   - the local part is lower-cased and, with a delimiter, the first
//     delimiter and everything after it are removed (user+tag → user),
//     unless the local part starts with it;
//   - the domain is lower-cased, one trailing dot is removed (the root of
//     the DNS), and an internationalized domain is in its A-label form
//     (ü.example and xn--tda.example are both xn--tda.example; IDNA2008
//     lookup rules of UTS #46).
//
// It refuses, with an *Error of kind Invalid naming the problem, control
// characters (NUL, CR, LF, …) anywhere, an address without a local part or
// a domain, characters outside RFC 5321 dot-atoms in an unquoted local part,
// an invalid domain or IDN label, and an address whose canonical form is
// longer than 254 characters.
func CanonicalMailbox(addr, delim string) (string, error) {
	if len(addr) > maxAddressInput {
		return "", Errorf(Invalid, "address %.40q…: longer than 254 characters", addr)
	}
	if i := controlIndex(addr); i >= 0 {
		return "", Errorf(Invalid, "address %.60q: control character %q not allowed", addr, addr[i])
	}
	local, domain, ok := splitAddress(trimAddress(addr))
	if !ok || local == "" || domain == "" {
		return "", Errorf(Invalid, "address %q: want local-part@domain", addr)
	}
	local = canonicalLocal(local, delim)
	if len(local) > 64 {
		return "", Errorf(Invalid, "address %q: local part longer than 64 characters", addr)
	}
	if err := checkLocal(local); err != nil {
		return "", Errorf(Invalid, "address %q: %v", addr, err)
	}
	d, err := validDomain(domain)
	if err != nil {
		return "", Errorf(Invalid, "address %q: %v", addr, err)
	}
	a := local + "@" + d
	if len(a) > 254 {
		return "", Errorf(Invalid, "address %.40q…: longer than 254 characters", addr)
	}
	return a, nil
}

// NormalizeAddress returns the canonical form of an address that names a
// mailbox itself, with no recipient delimiter applied:
// CanonicalMailbox(s, ""). Returns an *Error of kind Invalid naming the
// problem.
func NormalizeAddress(s string) (string, error) { return CanonicalMailbox(s, "") }

// NormalizeDomain returns the canonical form of a domain name (lower-case,
// no trailing dot, A-labels; see CanonicalMailbox) after validating it:
// labels of 1 to 63 letters, digits, '-' (not first or last) or '_', at
// most 253 characters. Returns an *Error of kind Invalid.
func NormalizeDomain(s string) (string, error) {
	if len(s) > maxAddressInput {
		return "", Errorf(Invalid, "domain %.40q…: longer than 253 characters", s)
	}
	if i := controlIndex(s); i >= 0 {
		return "", Errorf(Invalid, "domain %.60q: control character %q not allowed", s, s[i])
	}
	return validDomain(strings.TrimSpace(s))
}

// validDomain is NormalizeDomain without trimming space.
func validDomain(s string) (string, error) {
	d, err := canonicalDomain(s)
	if err != nil {
		return "", Errorf(Invalid, "domain %q: %v", s, err)
	}
	if d == "" || len(d) > 253 {
		return "", Errorf(Invalid, "domain %q: empty or longer than 253 characters", s)
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 {
			return "", Errorf(Invalid, "domain %q: empty or over-long label", s)
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "", Errorf(Invalid, "domain %q: label %q starts or ends with a hyphen", s, label)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", Errorf(Invalid, "domain %q: character %q not allowed", s, c)
			}
		}
	}
	return d, nil
}

// MailboxFor maps an address seen in a log (or a policy request) to the
// mailbox it meters to. It is CanonicalMailbox for every address that
// CanonicalMailbox accepts; it never fails, so odd addresses are metered
// as written: lower-cased, the tag stripped, one trailing dot removed, and
// an IDN domain that does not convert kept lower-cased. A login without
// '@' is lower-cased with its tag stripped. It returns "" for the null
// sender.
func MailboxFor(addr, delim string) string {
	a := trimAddress(addr)
	local, domain, hasAt := splitAddress(a)
	if hasAt && isCanonicalASCII(local, domain, delim) {
		return a // as it is: no copy
	}
	local = canonicalLocal(local, delim)
	if !hasAt {
		return local
	}
	d, err := canonicalDomain(domain)
	if err != nil {
		d = strings.TrimSuffix(strings.ToLower(domain), ".")
	}
	return local + "@" + d
}

// isCanonicalASCII reports whether an ASCII address is in canonical form
// already (the common case in logs): no upper case, no tag, no trailing
// dot, no A-label to check.
func isCanonicalASCII(local, domain, delim string) bool {
	if domain == "" || domain[len(domain)-1] == '.' || strings.Contains(domain, "xn--") {
		return false
	}
	if delim != "" && strings.Index(local, delim) > 0 {
		return false
	}
	for _, part := range [2]string{local, domain} {
		for i := 0; i < len(part); i++ {
			if c := part[i]; c >= 0x80 || c >= 'A' && c <= 'Z' {
				return false
			}
		}
	}
	return true
}

// DomainOf returns the domain part of an address, or "".
func DomainOf(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return addr[at+1:]
	}
	return ""
}

// trimAddress removes surrounding space and one pair of angle brackets.
func trimAddress(addr string) string {
	a := strings.TrimSpace(addr)
	if len(a) >= 2 && a[0] == '<' && a[len(a)-1] == '>' {
		a = a[1 : len(a)-1]
	}
	return a
}

// splitAddress splits a trimmed address at its last '@'; hasAt is false
// (and local the whole) without one.
func splitAddress(a string) (local, domain string, hasAt bool) {
	at := strings.LastIndexByte(a, '@')
	if at < 0 {
		return a, "", false
	}
	return a[:at], a[at+1:], true
}

// canonicalLocal lower-cases a local part and strips its delimiter tag.
func canonicalLocal(local, delim string) string {
	local = strings.ToLower(local)
	if delim == "" {
		return local
	}
	if i := strings.Index(local, delim); i > 0 {
		return local[:i]
	}
	return local
}

// canonicalDomain lower-cases a domain, removes one trailing dot and turns
// U-labels into A-labels. ASCII domains without "xn--" take a fast path;
// the others go through IDNA (UTS #46 lookup), which also checks A-labels.
func canonicalDomain(domain string) (string, error) {
	d := strings.TrimSuffix(strings.ToLower(domain), ".")
	if isASCII(d) && !strings.Contains(d, "xn--") {
		return d, nil
	}
	a, err := idna.Lookup.ToASCII(d)
	if err != nil {
		return "", err
	}
	return a, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// controlIndex returns the index of the first ASCII control character
// (C0 or DEL) in s, or -1.
func controlIndex(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return i
		}
	}
	return -1
}

func checkLocal(local string) error {
	if local[0] == '"' && local[len(local)-1] == '"' && len(local) >= 2 {
		return nil // quoted local part, as Postfix logs it
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return fmt.Errorf("misplaced dot in local part")
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>[]:;@\\,\"", c) >= 0 {
			return fmt.Errorf("character %q not allowed in local part", c)
		}
	}
	return nil
}
