package metering

import (
	"fmt"
	"strings"
)

// DefaultDelimiter is the recipient delimiter stripped from local parts:
// user+tag@example.com meters to user@example.com.
const DefaultDelimiter = "+"

// NormalizeAddress validates and lower-cases a mailbox address. It accepts
// an optional pair of angle brackets and surrounding space. It does not strip
// recipient delimiters; see MailboxFor. Returns an *Error of kind Invalid
// naming the problem.
func NormalizeAddress(s string) (string, error) {
	a := strings.TrimSpace(s)
	if len(a) >= 2 && a[0] == '<' && a[len(a)-1] == '>' {
		a = a[1 : len(a)-1]
	}
	a = strings.ToLower(a)
	if len(a) > 254 {
		return "", Errorf(Invalid, "address %.40q…: longer than 254 characters", s)
	}
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 {
		return "", Errorf(Invalid, "address %q: want local-part@domain", s)
	}
	local, domain := a[:at], a[at+1:]
	if len(local) > 64 {
		return "", Errorf(Invalid, "address %q: local part longer than 64 characters", s)
	}
	if err := checkLocal(local); err != nil {
		return "", Errorf(Invalid, "address %q: %v", s, err)
	}
	if _, err := NormalizeDomain(domain); err != nil {
		return "", Errorf(Invalid, "address %q: %v", s, err)
	}
	return a, nil
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

// NormalizeDomain validates and lower-cases a domain name.
func NormalizeDomain(s string) (string, error) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
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

// MailboxFor maps an address seen in a log to the mailbox it meters to:
// lower-cased, angle brackets removed, and the recipient delimiter tag
// stripped (user+tag@dom → user@dom). An empty delim disables stripping.
// It does no validation and never fails, so odd addresses are metered as
// written; it returns "" for the null sender.
func MailboxFor(addr, delim string) string {
	a := strings.TrimSpace(addr)
	if len(a) >= 2 && a[0] == '<' && a[len(a)-1] == '>' {
		a = a[1 : len(a)-1]
	}
	if a == "" {
		return ""
	}
	a = strings.ToLower(a)
	if delim == "" {
		return a
	}
	at := strings.LastIndexByte(a, '@')
	if at < 0 {
		at = len(a)
	}
	if i := strings.Index(a[:at], delim); i > 0 {
		a = a[:i] + a[at:]
	}
	return a
}

// DomainOf returns the domain part of an address, or "".
func DomainOf(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return addr[at+1:]
	}
	return ""
}
