package probe

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// TagHeader tags a round-trip probe's messages: "probe=NAME token=TOKEN",
// TOKEN new for every check.
const TagHeader = "X-Mailmeter-Probe"

// checkRoundTrip sends a tagged message and waits until it is in the probe
// mailbox (up), or the check's time is up (down). Every probe message of
// this probe found meanwhile, late ones of earlier checks too, is deleted.
func checkRoundTrip(ctx context.Context, t Target, d *Detail) error {
	token, err := newToken()
	if err != nil {
		return err
	}
	box, err := openMailbox(ctx, t)
	if err != nil {
		return fmt.Errorf("probe mailbox: %w", err)
	}
	defer box.close()
	start := time.Now()
	if err := sendProbe(ctx, t, token, start, d); err != nil {
		return fmt.Errorf("sending the probe message: %w", err)
	}
	poll := t.RoundTrip.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		found, err := box.take(ctx, t.Name, token)
		switch {
		case found && err == nil:
			d.RoundTrip = time.Since(start)
			return nil
		case expired(ctx):
			return fmt.Errorf("the probe message sent %s ago has not arrived: %w", time.Since(start).Round(time.Millisecond), context.DeadlineExceeded)
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			return fmt.Errorf("probe mailbox: %w", err)
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}

// expired reports whether ctx's deadline has passed (the connections'
// deadlines are the same and may fire first).
func expired(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return errors.Is(ctx.Err(), context.DeadlineExceeded) || (ok && !time.Now().Before(d))
}

func newToken() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("probe token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// sendProbe sends the tagged message through the target's SMTP server,
// noting its certificate in d.
func sendProbe(ctx context.Context, t Target, token string, at time.Time, d *Detail) error {
	smtp := t
	smtp.Kind = SMTP
	s, err := dial(ctx, smtp, d)
	if err != nil {
		return err
	}
	defer s.close()
	if err := s.smtpOpen(ctx); err != nil {
		return err
	}
	return s.smtpSend(t.RoundTrip.From, t.RoundTrip.To, probeMessage(t, token, at))
}

// probeMessage is the message of one check, as lines.
func probeMessage(t Target, token string, at time.Time) []string {
	return []string{
		"From: <" + t.RoundTrip.From + ">",
		"To: <" + t.RoundTrip.To + ">",
		"Subject: mailmeter round-trip probe " + t.Name,
		"Date: " + at.Format(time.RFC1123Z),
		"Message-ID: <" + token + "@probe.mailmeter.invalid>",
		"Auto-Submitted: auto-generated",
		TagHeader + ": " + tagValue(t.Name, token),
		"",
		"A round-trip probe of mailmeter, timing delivery. It is deleted when it arrives.",
	}
}

func tagValue(name, token string) string { return "probe=" + name + " token=" + token }

// parseTag splits a TagHeader value into its probe name and token.
func parseTag(v string) (name, token string, ok bool) {
	p, tok, ok := strings.Cut(strings.TrimSpace(v), " ")
	name, ok1 := strings.CutPrefix(p, "probe=")
	token, ok2 := strings.CutPrefix(strings.TrimSpace(tok), "token=")
	return name, token, ok && ok1 && ok2
}

// mailbox is where a round trip's messages arrive.
type mailbox interface {
	// take deletes every message of probe name and reports whether the
	// one tagged token was among them.
	take(ctx context.Context, name, token string) (bool, error)
	close()
}

func openMailbox(ctx context.Context, t Target) (mailbox, error) {
	if t.RoundTrip.Maildir != "" {
		return &maildirBox{root: t.RoundTrip.Maildir, others: map[string]bool{}}, nil
	}
	return openIMAPBox(ctx, *t.RoundTrip.IMAP)
}

// imapBox is the INBOX of the probe account on an IMAP server.
type imapBox struct {
	s *session
}

func openIMAPBox(ctx context.Context, t Target) (*imapBox, error) {
	var d Detail
	s, err := dial(ctx, t, &d)
	if err != nil {
		return nil, err
	}
	if err := s.imapOpen(ctx); err != nil {
		s.close()
		return nil, err
	}
	if _, err := s.imapCmd("SELECT INBOX", "SELECT INBOX"); err != nil {
		s.close()
		return nil, err
	}
	return &imapBox{s: s}, nil
}

func (b *imapBox) take(_ context.Context, name, token string) (bool, error) {
	// NOOP makes the server look for new messages (Dovecot does not on
	// SEARCH alone).
	if _, err := b.s.imapCmd("NOOP", "NOOP"); err != nil {
		return false, err
	}
	mine, err := b.search("probe=" + name + " token=")
	if err != nil || len(mine) == 0 {
		return false, err
	}
	this, err := b.search("token=" + token)
	if err != nil {
		return false, err
	}
	set := strings.Join(mine, ",")
	if _, err := b.s.imapCmd(`UID STORE `+set+` +FLAGS.SILENT (\Deleted)`, "deleting probe messages"); err != nil {
		return false, err
	}
	if _, err := b.s.imapCmd("EXPUNGE", "EXPUNGE"); err != nil {
		return false, err
	}
	return len(this) > 0, nil
}

// search returns the UIDs of the messages whose TagHeader contains s.
func (b *imapBox) search(s string) ([]string, error) {
	q, ok := imapQuote(s)
	if !ok {
		return nil, errors.New("a probe name beyond ASCII")
	}
	lines, err := b.s.imapCmd("UID SEARCH HEADER "+TagHeader+" "+q, "SEARCH")
	if err != nil {
		return nil, err
	}
	var uids []string
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, "* SEARCH"); ok {
			for _, f := range strings.Fields(rest) {
				if isDigits(f) {
					uids = append(uids, f)
				}
			}
		}
	}
	return uids, nil
}

func (b *imapBox) close() {
	b.s.imapLogout()
	b.s.close()
}
