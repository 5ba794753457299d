package metering

import (
	"unicode/utf8"
)

// IsControl reports whether r is a control character no input may hold:
// a C0 control (NUL, tab, the line ends, ESC …), DEL or a C1 control.
func IsControl(r rune) bool { return r < 0x20 || r >= 0x7f && r <= 0x9f }

// CheckText is the rule every text input follows, at every boundary (API
// paths, queries and bodies, token subjects, ingest, CSV import): valid
// UTF-8 without control characters (see IsControl). It returns nil or an
// Invalid *Error naming field; the message shows the offending character
// escaped, never raw.
func CheckText(field, s string) error {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return FieldError(field, "%s: not valid UTF-8 (byte %#02x at offset %d)", field, s[i], i)
		case IsControl(r):
			return FieldError(field, "%s: control character %U at offset %d is not allowed", field, r, i)
		}
		i += n
	}
	return nil
}

// CheckTexts applies CheckText to field/value pairs and returns the first
// error.
func CheckTexts(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := CheckText(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}
