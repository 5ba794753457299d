package policy

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
)

// Quotas answers quota questions from memory (quota.View), without I/O.
type Quotas interface {
	// Report returns a mailbox's quota picture, or a NotFound error for a
	// mailbox the directory does not know (and that has no usage or
	// limits).
	Report(ctx context.Context, mailbox string) (quota.Report, error)
	// HostsDomain reports whether the directory has the (canonical)
	// domain.
	HostsDomain(domain string) bool
}

// Options tune the decisions.
type Options struct {
	// Delimiter is the recipient delimiter: user+tag@domain is checked as
	// user@domain. "" disables it.
	Delimiter string
	// Defer answers a full mailbox with 452 4.2.2 (try again later)
	// instead of 552 5.2.2 (Dovecot's quota_status_overquota default).
	Defer bool
	// InFlight is how long recipients the policy let through count
	// against their sender's outbound limits on top of the metered usage,
	// which only includes them once the log is collected and committed:
	// a burst cannot slip past a limit in that time. It should cover the
	// collectors' flush interval and the view's refresh; recipients
	// metered meanwhile count twice, so enforcement errs on the safe side
	// by up to this window of the sender's own recipients. 0 = off.
	InFlight time.Duration
	// FullText is the text of a full-mailbox refusal, which Postfix sends
	// to the remote sender: it should not say how full the mailbox is (the
	// figures go to the log). "{mailbox}" in it stands for the mailbox.
	// "" = DefaultFullText. See CheckText.
	FullText string
	// RejectUnknown refuses, with 550 5.1.1, a recipient in a domain the
	// directory hosts that is no mailbox of the directory (for operators
	// whose directory is complete); otherwise such recipients get DUNNO.
	RejectUnknown bool
}

// Default refusal texts.
const (
	DefaultFullText    = "Mailbox is full"
	DefaultUnknownText = "User unknown"
)

// maxTextBytes bounds a refusal text: with code, status and Postfix's
// "<recipient>: Recipient address rejected: " it stays within an SMTP
// reply line (512 bytes).
const maxTextBytes = 200

// CheckText checks a refusal text template: at most 200 bytes of printable
// characters (a newline would end the policy reply early), placeholders
// only "{mailbox}".
func CheckText(text string) error {
	if len(text) > maxTextBytes {
		return fmt.Errorf("longer than %d bytes", maxTextBytes)
	}
	for _, r := range text {
		if r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == utf8.RuneError {
			return fmt.Errorf("character %q not allowed (printable text only)", r)
		}
	}
	rest := strings.ReplaceAll(text, "{mailbox}", "")
	if i := strings.IndexAny(rest, "{}"); i >= 0 {
		return fmt.Errorf("unknown placeholder near %q: only {mailbox}", rest[i:min(i+12, len(rest))])
	}
	return nil
}

// Checks name what a decision was about, for logs and metrics.
const (
	CheckNone     = "none"     // nothing to check at this state
	CheckStorage  = "storage"  // recipient's storage bytes
	CheckMessages = "messages" // recipient's message count
	CheckOutbound = "outbound" // sender's daily outbound recipients or bytes
	CheckUnknown  = "unknown"  // mailbox not in the directory: not ours to judge
	CheckError    = "error"    // the quota lookup failed: fail open
)

// Decision is the answer to one request.
type Decision struct {
	Action   string // the reply's action: DUNNO, or "Code Enhanced Text"
	Code     int    // SMTP reply code of a refusal (552, 452); 0 for DUNNO
	Enhanced string // RFC 3463 status of a refusal (5.2.2, 4.2.2, 4.7.1)
	Text     string // the refusal's text
	Check    string // Check* constant: what decided
	Mailbox  string // the mailbox the decision is about, if any
	Detail   string // the figures behind a refusal, for the log (never sent)
	Err      error  // a lookup error answered with DUNNO
}

// refuse builds a refusal decision.
func refuse(code int, enhanced, text, check, mailbox, detail string) Decision {
	return Decision{Action: fmt.Sprintf("%d %s %s", code, enhanced, text), Code: code, Enhanced: enhanced, Text: text,
		Check: check, Mailbox: mailbox, Detail: detail}
}

// Refused reports whether the decision refuses the request.
func (d Decision) Refused() bool { return d.Action != Dunno }

// Dunno is the action that lets Postfix go on with its other restrictions.
const Dunno = "DUNNO"

// Decider turns requests into decisions. It has no I/O of its own.
type Decider struct {
	quotas Quotas
	opts   Options
	now    func() time.Time

	mu       sync.Mutex
	inFlight map[string][]time.Time // per sender: recipients let through within InFlight
	notes    int                    // letThrough calls, for sweeping idle senders
}

// NewDecider returns a Decider over quotas.
func NewDecider(quotas Quotas, opts Options, now func() time.Time) *Decider {
	return &Decider{quotas: quotas, opts: opts, now: now, inFlight: map[string][]time.Time{}}
}

// Decide answers a request, the way Dovecot's quota-status answers for
// storage (so it can replace it):
//   - At RCPT (and any state naming a recipient), an authenticated sender
//     (sasl_username) at or over a daily or monthly outbound limit
//     (recipients, or bytes counting this message's size) is deferred with
//     452 4.7.1 until the UTC day or month ends: the limit resets.
//   - A recipient whose mailbox is over its hard storage limit (past its
//     grace), or would be with this message's size, or at its hard message
//     limit, is refused with 552 5.2.2 (452 4.2.2 with Options.Defer).
//   - At END-OF-MESSAGE the sender's bytes are checked again with the real
//     size times the recipients.
//   - A recipient in a hosted domain that the directory does not know is
//     refused with 550 5.1.1 with Options.RejectUnknown.
//   - Anything else, other unknown mailboxes and lookup errors get DUNNO:
//     the policy never blocks mail it cannot judge.
//
// Addresses are judged by their canonical form (metering.MailboxFor), so
// every spelling of a mailbox gets the same answer. Sums and products of
// sizes and counts saturate instead of wrapping (see amount).
func (d *Decider) Decide(ctx context.Context, req Request) Decision {
	state := strings.ToUpper(req.ProtocolState)
	if req.Request != "" && req.Request != "smtpd_access_policy" {
		return Decision{Action: Dunno, Check: CheckNone}
	}
	sender := ""
	if req.SASLUsername != "" && strings.Contains(req.SASLUsername, "@") {
		sender = metering.MailboxFor(req.SASLUsername, d.opts.Delimiter)
	}
	switch {
	case state == "END-OF-MESSAGE" && sender != "":
		n := max(req.RecipientCount, 1)
		return d.outbound(ctx, sender, 0, count(req.Size).times(count(n)), true)
	case req.Recipient != "" && (state == "RCPT" || state == ""):
		if sender != "" {
			if dec := d.outbound(ctx, sender, 1, count(req.Size), false); dec.Refused() {
				return dec
			}
		}
		dec := d.recipient(ctx, metering.MailboxFor(req.Recipient, d.opts.Delimiter), req.Size)
		if sender != "" && !dec.Refused() {
			d.letThrough(sender)
		}
		return dec
	}
	return Decision{Action: Dunno, Check: CheckNone}
}

// recipient checks a recipient's storage and message limits.
func (d *Decider) recipient(ctx context.Context, mailbox string, size int64) Decision {
	r, dec, ok := d.report(ctx, mailbox)
	if !ok {
		if dec.Check == CheckUnknown && d.opts.RejectUnknown && d.quotas.HostsDomain(metering.DomainOf(mailbox)) {
			return refuse(550, "5.1.1", DefaultUnknownText, CheckUnknown, mailbox, "no such mailbox in a hosted domain")
		}
		return dec
	}
	full := func(check, detail string) Decision {
		code, enhanced := 552, "5.2.2"
		if d.opts.Defer {
			code, enhanced = 452, "4.2.2"
		}
		// Postfix puts "<recipient>: Recipient address rejected: " before it.
		return refuse(code, enhanced, d.fullText(mailbox), check, mailbox, detail)
	}
	// Over the hard limit is the quota view's status (quota.Measure); the
	// policy adds only what this message would do.
	s, msg := r.Storage, count(size)
	used := count(s.Used)
	inGrace := !r.GraceUntil.IsZero() && d.now().Before(r.GraceUntil)
	switch {
	case s.Status == quota.Over && !inGrace:
		return full(CheckStorage, fmt.Sprintf("%d of %d bytes used", s.Used, s.Hard))
	case s.Status != quota.Over && s.Hard > 0 && msg > 0 && used.plus(msg).over(s.Hard):
		return full(CheckStorage, fmt.Sprintf("a %d-byte message does not fit in the %d bytes left", size, count(s.Hard)-used))
	case r.Messages.Status == quota.Over:
		return full(CheckMessages, fmt.Sprintf("%d of %d messages", r.Messages.Used, r.Messages.Hard))
	}
	return Decision{Action: Dunno, Check: CheckStorage, Mailbox: mailbox}
}

// fullText is the full-mailbox refusal text for a mailbox.
func (d *Decider) fullText(mailbox string) string {
	t := d.opts.FullText
	if t == "" {
		return DefaultFullText
	}
	return strings.ReplaceAll(t, "{mailbox}", mailbox)
}

// outbound checks a sender's daily and monthly limits with recipients and
// bytes more. strictBytes checks the bytes alone (END-OF-MESSAGE, real
// size).
func (d *Decider) outbound(ctx context.Context, mailbox string, recipients int64, bytes amount, strictBytes bool) Decision {
	r, dec, ok := d.report(ctx, mailbox)
	if !ok {
		if dec.Check == CheckUnknown {
			// A login that is not a metered mailbox has no outbound limit.
			dec.Check = CheckNone
		}
		return dec
	}
	deferred := func(period, what string, resets time.Time) Decision {
		kind := "Daily"
		if period != "today" {
			kind = "Monthly"
		}
		// The sender is the mailbox itself, authenticated: it may see its
		// own figures.
		return refuse(452, "4.7.1", fmt.Sprintf("%s sending limit of <%s> reached (%s); it resets at %s",
			kind, mailbox, what, resets.UTC().Format(time.RFC3339)), CheckOutbound, mailbox, what)
	}
	pending := count(d.pending(mailbox))
	for _, p := range []struct {
		period            string
		recipients, bytes quota.Meter
		resets            time.Time
	}{{"today", r.OutRecipients, r.OutBytes, r.ResetsAt}, {"this month", r.MonthOutRecipients, r.MonthOutBytes, r.MonthResetsAt}} {
		rc, by := p.recipients, p.bytes
		rcUsed, byUsed := count(rc.Used).plus(pending), count(by.Used)
		if !strictBytes && rc.Hard > 0 && rcUsed.plus(count(recipients)).over(rc.Hard) {
			return deferred(p.period, fmt.Sprintf("%d of %d recipients %s", rcUsed, rc.Hard, p.period), p.resets)
		}
		if by.Status == quota.Over || by.Hard > 0 && bytes > 0 && byUsed.plus(bytes).over(by.Hard) {
			return deferred(p.period, fmt.Sprintf("%d of %d bytes %s, this message %d", by.Used, by.Hard, p.period, bytes), p.resets)
		}
	}
	return Decision{Action: Dunno, Check: CheckOutbound, Mailbox: mailbox}
}

// letThrough notes a recipient the policy let a sender have.
func (d *Decider) letThrough(sender string) {
	if d.opts.InFlight <= 0 {
		return
	}
	now := d.now()
	d.mu.Lock()
	d.inFlight[sender] = append(d.prune(sender, now), now)
	if d.notes++; d.notes%1024 == 0 {
		for s := range d.inFlight { // senders gone quiet
			d.prune(s, now)
		}
	}
	d.mu.Unlock()
}

// pending counts a sender's recipients let through within InFlight.
func (d *Decider) pending(sender string) int64 {
	if d.opts.InFlight <= 0 {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return int64(len(d.prune(sender, d.now())))
}

// prune drops a sender's entries older than InFlight; the caller holds mu.
func (d *Decider) prune(sender string, now time.Time) []time.Time {
	ts := d.inFlight[sender]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) > d.opts.InFlight {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(d.inFlight, sender)
		return nil
	}
	d.inFlight[sender] = ts
	return ts
}

// report looks a mailbox up; ok is false with the decision to return when
// there is nothing to judge.
func (d *Decider) report(ctx context.Context, mailbox string) (quota.Report, Decision, bool) {
	if mailbox == "" {
		return quota.Report{}, Decision{Action: Dunno, Check: CheckNone}, false
	}
	r, err := d.quotas.Report(ctx, mailbox)
	switch {
	case metering.KindOf(err) == metering.NotFound:
		return r, Decision{Action: Dunno, Check: CheckUnknown, Mailbox: mailbox}, false
	case err != nil:
		return r, Decision{Action: Dunno, Check: CheckError, Mailbox: mailbox, Err: err}, false
	}
	return r, Decision{}, true
}
