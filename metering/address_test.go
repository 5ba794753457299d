package metering_test

import (
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/metering"
)

func TestCanonicalMailbox(t *testing.T) {
	tests := []struct {
		name, in, delim string
		want            string // "" = invalid
	}{
		{"plain", "alice@acme.test", "+", "alice@acme.test"},
		{"upper case", "Alice@ACME.Test", "+", "alice@acme.test"},
		{"brackets and space", " <alice@acme.test> ", "+", "alice@acme.test"},
		{"trailing dot", "alice@acme.test.", "+", "alice@acme.test"},
		{"trailing dot, upper case, tag", "<Alice+News@ACME.test.>", "+", "alice@acme.test"},
		{"tag kept without a delimiter", "alice+news@acme.test", "", "alice+news@acme.test"},
		{"other delimiter", "alice-news@acme.test", "-", "alice@acme.test"},
		{"several tags", "alice+a+b@acme.test", "+", "alice@acme.test"},
		{"delimiter first is not a tag", "+alice@acme.test", "+", "+alice@acme.test"},
		{"U-label", "bob@ü.example", "+", "bob@xn--tda.example"},
		{"U-label upper case", "bob@Ü.EXAMPLE", "+", "bob@xn--tda.example"},
		{"A-label", "bob@xn--tda.example", "+", "bob@xn--tda.example"},
		{"A-label upper case, trailing dot", "bob@XN--TDA.example.", "+", "bob@xn--tda.example"},
		{"U-label with sharp s", "bob@straße.de", "+", "bob@xn--strae-oqa.de"},
		{"full-width letters map", "bob@ＡＢＣ.example", "+", "bob@abc.example"},
		{"quoted local part", `"a b"@acme.test`, "+", `"a b"@acme.test`},
		{"underscore in a label", "x@mail_1.acme.test", "+", "x@mail_1.acme.test"},
		{"empty", "", "+", ""},
		{"no at", "alice", "+", ""},
		{"empty local part", "@acme.test", "+", ""},
		{"empty domain", "alice@", "+", ""},
		{"only a dot", "alice@.", "+", ""},
		{"two trailing dots", "alice@acme.test..", "+", ""},
		{"empty label", "alice@acme..test", "+", ""},
		{"NUL in local part", "ali\x00ce@acme.test", "+", ""},
		{"NUL in domain", "alice@acme\x00.test", "+", ""},
		{"newline at the end", "alice@acme.test\n", "+", ""},
		{"CRLF inside", "alice@acme.test\r\nrcpt=x", "+", ""},
		{"tab", "\talice@acme.test", "+", ""},
		{"DEL", "alice\x7f@acme.test", "+", ""},
		{"invalid A-label", "bob@xn--zz.example", "+", ""},
		{"A-label of an upper-case U-label", "bob@xn--ssa.example", "+", ""},
		{"empty A-label", "bob@xn--.example", "+", ""},
		{"joiner out of context in an IDN", "bob@ü\u200db.example", "+", ""},
		{"ignored rune in an IDN (UTS #46 maps it away)", "bob@ü\u200b.example", "+", "bob@xn--tda.example"},
		{"hyphen at a label's start", "bob@-acme.test", "+", ""},
		{"local part too long", strings.Repeat("a", 65) + "@acme.test", "+", ""},
		{"address too long", "a@" + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + "." + strings.Repeat("d", 60) + "." + strings.Repeat("e", 70) + ".test", "+", ""},
		{"A-label makes it too long", "a@" + strings.Repeat("ü", 63) + ".test", "+", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := metering.CanonicalMailbox(tt.in, tt.delim)
			if tt.want == "" {
				if err == nil || metering.KindOf(err) != metering.Invalid {
					t.Fatalf("CanonicalMailbox(%q) = %q, %v; want an Invalid error", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CanonicalMailbox(%q, %q) = %q, %v; want %q", tt.in, tt.delim, got, err, tt.want)
			}
			// The canonical form is a fixed point, and the lenient form
			// of the logs agrees with it.
			if again, err := metering.CanonicalMailbox(got, tt.delim); err != nil || again != got {
				t.Errorf("CanonicalMailbox(%q) = %q, %v; not a fixed point", got, again, err)
			}
			if m := metering.MailboxFor(tt.in, tt.delim); m != got {
				t.Errorf("MailboxFor(%q) = %q, want %q", tt.in, m, got)
			}
			if tt.delim == "" {
				if n, err := metering.NormalizeAddress(tt.in); err != nil || n != got {
					t.Errorf("NormalizeAddress(%q) = %q, %v; want %q", tt.in, n, err, got)
				}
			}
		})
	}
}

func TestNormalizeDomain(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ACME.test", "acme.test"},
		{"acme.test.", "acme.test"},
		{" acme.test ", "acme.test"},
		{"ü.example", "xn--tda.example"},
		{"XN--TDA.Example.", "xn--tda.example"},
		{"münchen.de", "xn--mnchen-3ya.de"},
		{"", ""},
		{".", ""},
		{"acme.test\n", ""},
		{"acme\x00.test", ""},
		{"xn--zz.example", ""},
		{"a..b", ""},
	}
	for _, tt := range tests {
		got, err := metering.NormalizeDomain(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("NormalizeDomain(%q) = %q; want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeDomain(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// MailboxFor never fails: what CanonicalMailbox refuses is metered as
// written, lower-cased and with its tag stripped.
func TestMailboxForOddAddresses(t *testing.T) {
	tests := []struct{ in, delim, want string }{
		{"<>", "+", ""},
		{"", "+", ""},
		{"Bob+x", "+", "bob"}, // a login without a domain
		{"user@[192.0.2.1]", "+", "user@[192.0.2.1]"},
		{"Bob+X@xn--zz.Example.", "+", "bob@xn--zz.example"},
		{"<Alice+News@ACME.test.>", "+", "alice@acme.test"},
		{"carol@ü.example", "+", "carol@xn--tda.example"},
	}
	for _, tt := range tests {
		if got := metering.MailboxFor(tt.in, tt.delim); got != tt.want {
			t.Errorf("MailboxFor(%q, %q) = %q, want %q", tt.in, tt.delim, got, tt.want)
		}
	}
}

// FuzzCanonicalMailbox: a canonical form is a fixed point, MailboxFor
// agrees with it, and it never holds a control character.
func FuzzCanonicalMailbox(f *testing.F) {
	for _, s := range []string{"alice@acme.test", "<Alice+x@ACME.test.>", "bob@ü.example", "bob@xn--tda.example", `"a b"@x.test`, "a@b..", "x@xn--.y", "a\x00@b.c"} {
		f.Add(s, "+")
	}
	f.Add("user-tag@x.org", "-")
	f.Fuzz(func(t *testing.T, addr, delim string) {
		c, err := metering.CanonicalMailbox(addr, delim)
		if err != nil {
			if metering.KindOf(err) != metering.Invalid {
				t.Fatalf("CanonicalMailbox(%q): %v is not Invalid", addr, err)
			}
			return
		}
		if again, err := metering.CanonicalMailbox(c, delim); err != nil || again != c {
			t.Fatalf("CanonicalMailbox(%q) = %q, then %q, %v", addr, c, again, err)
		}
		if m := metering.MailboxFor(addr, delim); m != c {
			t.Fatalf("MailboxFor(%q, %q) = %q, CanonicalMailbox = %q", addr, delim, m, c)
		}
		for i := 0; i < len(c); i++ {
			if c[i] < ' ' || c[i] == 0x7f {
				t.Fatalf("CanonicalMailbox(%q) = %q holds a control character", addr, c)
			}
		}
	})
}
