package policy_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/policy"
)

// Sizes, counts, limits and graces near 2^63 decide as a person would:
// what cannot fit is refused, and no sum or product wraps round to a
// small or negative number that fits.
func TestDecideNearInt64Limits(t *testing.T) {
	w := newWorld(t)
	d := policy.NewDecider(w.view, policy.Options{Delimiter: "+"}, w.clock.now)
	ctx := context.Background()
	const huge = math.MaxInt64
	eom := func(sasl string, size, recipients int64) policy.Request {
		return policy.Request{Request: "smtpd_access_policy", ProtocolState: "END-OF-MESSAGE", SASLUsername: sasl, Size: size, RecipientCount: recipients}
	}
	tests := []struct {
		name    string
		req     policy.Request
		refused bool
		check   string
	}{
		// frank: 900 of 1000 bytes. 900 + 2^63-1 wraps to a negative sum.
		{"largest size to a mailbox with 100 bytes left", rcpt("frank@acme.example", "", huge), true, policy.CheckStorage},
		// max: 1000 of 2^63-1 bytes.
		{"largest size to the largest limit with usage", rcpt("max@acme.example", "", huge), true, policy.CheckStorage},
		{"what is left of the largest limit fits", rcpt("max@acme.example", "", huge-1000), false, policy.CheckStorage},
		{"one byte more does not", rcpt("max@acme.example", "", huge-999), true, policy.CheckStorage},
		// dave: 9000 of 10000 bytes today.
		{"sender: largest size at RCPT", rcpt("x@remote.example", "dave@acme.example", huge), true, policy.CheckOutbound},
		{"sender: size × recipients wraps to 0", eom("dave@acme.example", 1<<62, 4), true, policy.CheckOutbound},
		{"sender: size × recipients wraps to a small number", eom("dave@acme.example", 1<<62+25, 4), true, policy.CheckOutbound},
		{"sender: largest size × largest count", eom("dave@acme.example", huge, huge), true, policy.CheckOutbound},
		// max: 1000 of 2^63-2 bytes and 5 of 2^63-1 recipients today.
		{"sender with the largest limits: product over them", eom("max@acme.example", 1<<62, 2), true, policy.CheckOutbound},
		{"sender with the largest limits: within them", eom("max@acme.example", 1<<61, 2), false, policy.CheckOutbound},
		{"sender with the largest limits at RCPT", rcpt("x@remote.example", "max@acme.example", huge-1001), false, policy.CheckUnknown},
		{"sender with the largest limits at RCPT, one byte over", rcpt("x@remote.example", "max@acme.example", huge-1000), true, policy.CheckOutbound},
		// Over the hard limit with a grace of 2^63-1 or 2^62 seconds: the
		// grace has not ended (it would wrap to a negative Duration).
		{"grace_seconds 2^63-1", rcpt("eternal@acme.example", "", 0), false, policy.CheckStorage},
		{"grace_seconds 2^62", rcpt("longgrace@acme.example", "", 0), false, policy.CheckStorage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec := d.Decide(ctx, tt.req)
			if dec.Refused() != tt.refused || dec.Check != tt.check {
				t.Errorf("Decide = %q (check %s, %s), want refused=%v (check %s)", dec.Action, dec.Check, dec.Detail, tt.refused, tt.check)
			}
		})
	}
	// A hundred years on, the longest graces still run.
	w.clock.set(t0.AddDate(100, 0, 0))
	for _, m := range []string{"eternal@acme.example", "longgrace@acme.example"} {
		if dec := d.Decide(ctx, rcpt(m, "", 0)); dec.Refused() {
			t.Errorf("%s a century later: %q", m, dec.Action)
		}
	}
	if r, err := w.view.Report(ctx, "eternal@acme.example"); err != nil || r.GraceUntil.Before(t0.Add(200*365*24*time.Hour)) {
		t.Errorf("grace of 2^63-1 seconds ends at %v, %v", r.GraceUntil, err)
	}
}
