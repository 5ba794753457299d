package loggen

import (
	"net/netip"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// TimestampStyle selects the envelope of Postfix lines.
type TimestampStyle int

// Postfix line envelopes.
const (
	// BSDSyslog is the classic syslog stamp, day space-padded and no year:
	// "Nov  8 17:12:10 mail.example.net postfix/smtpd[123]: …". Parsers
	// need Start (or its year) as the year reference.
	BSDSyslog TimestampStyle = iota
	// RFC3339Micro is rsyslog's high-precision stamp:
	// "2026-11-08T17:12:10.123456+00:00 mail.example.net postfix/smtpd[123]: …".
	RFC3339Micro
	// MaillogFile is Postfix's own maillog_file (postlogd): day zero-padded
	// and the first DNS label of the host: "Nov 08 17:12:10 mail postfix/…".
	MaillogFile
)

// Config describes the simulated traffic and how it is written. Start from
// DefaultConfig and change what matters; shares are probabilities in [0,1].
type Config struct {
	Seed  uint64    // seeds every random choice; same seed, same bytes
	Start time.Time // time of the first line, truncated to the second; its Location is the log's zone

	// The run ends at the first limit reached; at least one must be set.
	Duration time.Duration // simulated time
	Messages int           // SMTP sessions and submissions started
	Lines    int64         // lines written

	Rate        float64 // sessions per simulated second, as a daily mean
	Steady      bool    // keep Rate all day instead of following the day
	Mailboxes   int     // local mailboxes
	Domains     int     // local domains the mailboxes are spread over
	MaxInFlight int     // bound on simultaneously open messages

	AuthShare   float64 // sessions that are authenticated submissions
	RemoteShare float64 // recipients of submissions that are remote
	DeferShare  float64 // recipients deferred at least once
	BounceShare float64 // recipients that bounce
	RejectShare float64 // sessions (and recipients) rejected at SMTP time
	SpamShare   float64 // inbound messages that are spam and get blocked
	VirusShare  float64 // inbound messages that carry a virus
	FilterShare float64 // messages routed through amavis (127.0.0.1:10024)
	AliasShare  float64 // local recipients addressed through an alias (orig_to)
	PlusShare   float64 // local recipients addressed as user+tag@domain
	NoiseShare  float64 // sessions that only produce noise lines
	LongIDShare float64 // Postfix messages given long queue ids

	MaxRecipients int    // recipients per message, at most
	Host          string // fully qualified host name of the mail server

	Timestamps TimestampStyle // Postfix envelope

	EximPID        bool // Exim log_selector +pid: "[1234]" after the stamp
	EximMillis     bool // Exim +millisec: ".123" stamps and QT=1.234s
	EximRecipients bool // Exim +received_recipients: "for a b c" on <= lines

	// TrustedSenders says the parsers trust TrustedSenders(): uid 33 and
	// user www-data (sendmail submissions) and 127.0.0.1 (web mail over
	// SMTP). The truth then meters those submissions for their envelope
	// sender; the lines written are the same either way.
	TrustedSenders bool

	// FlushLines, if positive, hands lines to the writer at least every
	// FlushLines lines instead of in 64 kB chunks: slower, for live demos.
	FlushLines int64

	// Pace, if set, is called before each line with the time the line is
	// stamped with, everything before it handed to the writer: a live
	// demo waits there for the wall clock, so the log keeps real time.
	Pace func(at time.Time) `json:"-"`

	// Stop, if set, is asked before every step; the run ends, with all
	// written lines flushed and counted, once it returns true. Use it to
	// end an unlimited run (Duration of years) from outside.
	Stop func() bool `json:"-"`
}

// DefaultConfig returns a busy but plausible mail host: 200 mailboxes over
// 8 domains, 5 sessions a second, starting 2026-11-28 22:00 UTC, ending
// after 10,000 sessions.
func DefaultConfig() Config {
	return Config{
		Seed:           1,
		Start:          time.Date(2026, 11, 28, 22, 0, 0, 0, time.UTC),
		Messages:       10000,
		Rate:           5,
		Mailboxes:      200,
		Domains:        8,
		MaxInFlight:    4096,
		AuthShare:      0.3,
		RemoteShare:    0.7,
		DeferShare:     0.06,
		BounceShare:    0.03,
		RejectShare:    0.08,
		SpamShare:      0.08,
		VirusShare:     0.01,
		FilterShare:    0.5,
		AliasShare:     0.1,
		PlusShare:      0.05,
		NoiseShare:     0.1,
		LongIDShare:    0.1,
		MaxRecipients:  5,
		Host:           "mail.example.net",
		Timestamps:     BSDSyslog,
		EximPID:        true,
		EximRecipients: true,
	}
}

// TrustedSenders returns the trusted senders a parser must be configured
// with for the truth of a Config with TrustedSenders set.
func TrustedSenders() metering.TrustedSenders {
	return metering.TrustedSenders{UIDs: []int64{33}, Users: []string{"www-data"},
		Networks: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
}

// Validate reports the first field that cannot be used, as a
// metering.Invalid error naming it.
func (c Config) Validate() error {
	if c.Duration <= 0 && c.Messages <= 0 && c.Lines <= 0 {
		return metering.FieldError("Duration", "set Duration, Messages or Lines to end the run")
	}
	if c.Duration < 0 || c.Messages < 0 || c.Lines < 0 {
		return metering.FieldError("Duration", "limits must not be negative")
	}
	if c.Start.IsZero() {
		return metering.FieldError("Start", "start time is required")
	}
	if !(c.Rate > 0 && c.Rate <= 1e6) {
		return metering.FieldError("Rate", "rate %v: want 0 < rate <= 1e6", c.Rate)
	}
	if c.Mailboxes < 1 || c.Domains < 1 || c.Domains > c.Mailboxes {
		return metering.FieldError("Mailboxes", "want 1 <= Domains (%d) <= Mailboxes (%d)", c.Domains, c.Mailboxes)
	}
	if c.MaxRecipients < 1 || c.MaxRecipients > 100 {
		return metering.FieldError("MaxRecipients", "%d: want 1..100", c.MaxRecipients)
	}
	if c.MaxInFlight < 16 {
		return metering.FieldError("MaxInFlight", "%d: want at least 16", c.MaxInFlight)
	}
	if c.FlushLines < 0 {
		return metering.FieldError("FlushLines", "%d: must not be negative", c.FlushLines)
	}
	if c.Host == "" {
		return metering.FieldError("Host", "host name is required")
	}
	if c.Timestamps < BSDSyslog || c.Timestamps > MaillogFile {
		return metering.FieldError("Timestamps", "unknown style %d", c.Timestamps)
	}
	return c.validateShares()
}

func (c Config) validateShares() error {
	shares := []struct {
		name string
		v    float64
	}{
		{"AuthShare", c.AuthShare}, {"RemoteShare", c.RemoteShare}, {"DeferShare", c.DeferShare},
		{"BounceShare", c.BounceShare}, {"RejectShare", c.RejectShare}, {"SpamShare", c.SpamShare},
		{"VirusShare", c.VirusShare}, {"FilterShare", c.FilterShare}, {"AliasShare", c.AliasShare},
		{"PlusShare", c.PlusShare}, {"NoiseShare", c.NoiseShare}, {"LongIDShare", c.LongIDShare},
	}
	for _, s := range shares {
		if !(s.v >= 0 && s.v <= 1) {
			return metering.FieldError(s.name, "%v: want a share between 0 and 1", s.v)
		}
	}
	if c.RejectShare+c.NoiseShare > 1 {
		return metering.FieldError("RejectShare", "RejectShare + NoiseShare exceed 1")
	}
	if c.DeferShare+c.BounceShare > 1 {
		return metering.FieldError("DeferShare", "DeferShare + BounceShare exceed 1")
	}
	if c.SpamShare+c.VirusShare > 1 {
		return metering.FieldError("SpamShare", "SpamShare + VirusShare exceed 1")
	}
	return nil
}
