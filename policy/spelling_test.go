package policy_test

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/net/idna"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/policy"
)

// Every spelling Postfix delivers to one mailbox gets that mailbox's
// decision, over the real SQLite-backed view: RCPT TO:<alice@acme.example.>
// must not slip past a full mailbox.
func TestSpellingsOfAFullMailbox(t *testing.T) {
	w := newWorld(t)
	d := policy.NewDecider(w.view, policy.Options{Delimiter: "+"}, w.clock.now)
	ctx := context.Background()
	for mailbox, spellings := range map[string][]string{
		"alice@acme.example": {"alice@acme.example", "alice@acme.example.", "ALICE@ACME.EXAMPLE", "Alice@Acme.Example.",
			"alice+news@acme.example", "<Alice+News@ACME.example.>", " alice@acme.example "},
		"bob@acme.example": {"bob@acme.example.", "BOB+x@acme.EXAMPLE"}, // message limit
		// The directory was given the U-label; it stores the A-label.
		"hans@xn--tda.example": {"hans@ü.example", "hans@Ü.example", "hans@xn--tda.example", "HANS@XN--TDA.EXAMPLE.",
			"hans+tag@ü.example.", "<Hans@Ü.Example.>"},
	} {
		for _, rcptTo := range spellings {
			dec := d.Decide(ctx, rcpt(rcptTo, "", 0))
			if dec.Action != "552 5.2.2 Mailbox is full" || dec.Mailbox != mailbox {
				t.Errorf("RCPT TO:<%s> = %q for %q, want the refusal for %s", rcptTo, dec.Action, dec.Mailbox, mailbox)
			}
		}
	}
	// A sender's spellings share its limits.
	for _, login := range []string{"gina@acme.example.", "GINA+x@Acme.Example"} {
		if dec := d.Decide(ctx, rcpt("x@remote.example", login, 0)); dec.Check != policy.CheckOutbound || !dec.Refused() {
			t.Errorf("sasl_username=%s: %q (check %s), want the monthly limit's deferral", login, dec.Action, dec.Check)
		}
	}
	// A mailbox with room is not refused in any spelling.
	for _, rcptTo := range []string{"erin@acme.example.", "ERIN+x@acme.example"} {
		if dec := d.Decide(ctx, rcpt(rcptTo, "", 100)); dec.Refused() || dec.Mailbox != "erin@acme.example" {
			t.Errorf("RCPT TO:<%s> = %q for %q", rcptTo, dec.Action, dec.Mailbox)
		}
	}
}

// FuzzSameCanonicalSameDecision: two spellings with the same canonical form
// get the same decision, as recipient and as sender, for full, roomy,
// unknown and foreign mailboxes alike.
func FuzzSameCanonicalSameDecision(f *testing.F) {
	for _, s := range []string{"alice@acme.example", "Alice+x@ACME.example.", "hans@ü.example", "hans@xn--tda.example",
		"nobody@acme.example", "x@remote.example", "bob@acme.example", "gina@acme.example", "erin@xn--tda.example.", "<frank@acme.example>"} {
		f.Add(s, uint8(0xff), int64(0))
		f.Add(s, uint8(0x15), int64(150))
	}
	w := newWorld(f)
	d := policy.NewDecider(w.view, policy.Options{Delimiter: "+", RejectUnknown: true}, w.clock.now)
	ctx := context.Background()
	decide := func(rcptTo, sasl string, size int64) policy.Decision {
		dec := d.Decide(ctx, rcpt(rcptTo, sasl, size))
		dec.Err = nil
		return dec
	}
	f.Fuzz(func(t *testing.T, addr string, flags uint8, size int64) {
		size = max(size, 0)
		c := metering.MailboxFor(addr, "+")
		want := decide(addr, "", size)
		wantOut := decide("x@remote.example", addr, size)
		if cm, err := metering.CanonicalMailbox(addr, "+"); err == nil {
			// A valid address's canonical form is a spelling of it too.
			if cm != c {
				t.Fatalf("CanonicalMailbox(%q) = %q, MailboxFor = %q", addr, cm, c)
			}
			if got := decide(cm, "", size); got != want {
				t.Fatalf("RCPT TO:<%s> = %+v, but its canonical form %s = %+v", addr, want, cm, got)
			}
		}
		for _, v := range spellings(addr, flags) {
			if metering.MailboxFor(v, "+") != c {
				continue
			}
			if got := decide(v, "", size); got != want {
				t.Fatalf("RCPT TO:<%s> = %+v, but RCPT TO:<%s> (same canonical form %s) = %+v", v, got, addr, c, want)
			}
			if strings.Contains(addr, "@") && strings.Contains(v, "@") {
				if got := decide("x@remote.example", v, size); got != wantOut {
					t.Fatalf("sasl_username=%s: %+v, but sasl_username=%s (same canonical form %s): %+v", v, got, addr, c, wantOut)
				}
			}
		}
	})
}

// spellings returns addr and other spellings of it, chosen by flags: upper
// case, a trailing dot, a tag, angle brackets, the domain's U-label or
// A-label.
func spellings(addr string, flags uint8) []string {
	out := []string{addr}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return out
	}
	local, domain := addr[:at], addr[at+1:]
	for bit, spell := range []func(l, d string) (string, string){
		func(l, d string) (string, string) { return strings.ToUpper(l), strings.ToUpper(d) },
		func(l, d string) (string, string) { return l, d + "." },
		func(l, d string) (string, string) { return l + "+Tag", d },
		func(l, d string) (string, string) { return "<" + l, d + ">" },
		func(l, d string) (string, string) {
			u, err := idna.Lookup.ToUnicode(d)
			if err != nil {
				return l, d
			}
			return l, u
		},
		func(l, d string) (string, string) {
			a, err := idna.Lookup.ToASCII(d)
			if err != nil {
				return l, d
			}
			return l, a
		},
	} {
		l, d := spell(local, domain)
		out = append(out, l+"@"+d)
		if flags&(1<<bit) != 0 {
			local, domain = l, d // and combine it with the next
		}
	}
	return append(out, local+"@"+domain)
}
