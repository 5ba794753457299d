package maildir

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mailmeter/mailmeter/metering"
)

// FolderName returns the name a Maildir++ folder is metered and shown
// under, from its directory name without the leading dot ("Sent",
// "Entw&APw-rfe", "A.B"):
//   - modified UTF-7 (RFC 3501 §5.1.3), the default of Dovecot and Courier,
//     is decoded: "Entw&APw-rfe" is "Entwürfe";
//   - a name that is not valid modified UTF-7 ("Tom&Jerry", or UTF-8 as
//     Dovecot writes it with the UTF-8 layout option) stays as it is;
//   - bytes that are not UTF-8, and control characters, are escaped as
//     \xNN: a Latin-1 "Entw\xfcrfe" is stored as the text `Entw\xfcrfe`.
//
// The result always passes metering.CheckText, so no folder name can keep
// a batch of storage gauges from being stored. Two directories can come to
// the same name (".Entwürfe" next to ".Entw&APw-rfe"); their usage is then
// summed under it.
func FolderName(dir string) string {
	if s, ok := decodeModifiedUTF7(dir); ok {
		return escapeText(s)
	}
	return escapeText(dir)
}

// decodeModifiedUTF7 decodes an IMAP mailbox name in modified UTF-7:
// printable US-ASCII stands for itself except "&", which starts a run of
// modified base64 (UTF-16BE, "," for "/", no padding) ended by "-"; "&-"
// is "&". It reports false for anything else: other bytes, an unended run,
// bad base64 or leftover bits, unpaired surrogates, or printable ASCII
// encoded in base64.
func decodeModifiedUTF7(s string) (string, bool) {
	if !strings.Contains(s, "&") {
		return s, printableASCII(s)
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c < 0x20 || c > 0x7e:
			return "", false
		case c != '&':
			b.WriteByte(c)
			i++
			continue
		}
		end := strings.IndexByte(s[i+1:], '-')
		if end < 0 {
			return "", false
		}
		run := s[i+1 : i+1+end]
		i += end + 2
		if run == "" {
			b.WriteByte('&')
		} else if !decodeBase64Run(&b, run) {
			return "", false
		}
	}
	return b.String(), true
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// decodeBase64Run decodes one run of modified base64 into b.
func decodeBase64Run(b *strings.Builder, run string) bool {
	var bits uint32
	n := 0
	var units []uint16
	for i := 0; i < len(run); i++ {
		v := base64Value(run[i])
		if v < 0 {
			return false
		}
		bits, n = bits<<6|uint32(v), n+6
		if n >= 16 {
			n -= 16
			units = append(units, uint16(bits>>n))
			bits &= 1<<n - 1
		}
	}
	if n >= 6 || bits != 0 || len(units) == 0 {
		return false
	}
	return writeUTF16(b, units)
}

// writeUTF16 writes UTF-16 code units as UTF-8, refusing unpaired
// surrogates and printable ASCII (which must not be encoded).
func writeUTF16(b *strings.Builder, units []uint16) bool {
	for i := 0; i < len(units); i++ {
		r := rune(units[i])
		switch {
		case r >= 0xdc00 && r <= 0xdfff:
			return false
		case r >= 0xd800 && r <= 0xdbff:
			if i+1 >= len(units) || units[i+1] < 0xdc00 || units[i+1] > 0xdfff {
				return false
			}
			i++
			r = 0x10000 + (r-0xd800)<<10 + rune(units[i]) - 0xdc00
		case r >= 0x20 && r <= 0x7e:
			return false
		}
		b.WriteRune(r)
	}
	return true
}

// base64Value returns the value of a modified base64 digit, or -1.
func base64Value(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '+':
		return 62
	case c == ',':
		return 63
	}
	return -1
}

// escapeText returns s with every byte that is not UTF-8, and every byte
// of a control character, written as \xNN.
func escapeText(s string) string {
	if metering.CheckText("folder", s) == nil {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || metering.IsControl(r) {
			for _, c := range []byte(s[i : i+n]) {
				fmt.Fprintf(&b, `\x%02x`, c)
			}
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
