package exim

import (
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// DefaultMaxAge is how long a message may stay open without a line before
// Expire evicts it.
const DefaultMaxAge = 7 * 24 * time.Hour

// Options configure a Processor. The zero value is valid.
type Options struct {
	// Location reads timestamps that carry no zone (Exim logs local time
	// unless log_timezone is set). Nil means UTC.
	Location *time.Location
	// Delimiter is the recipient delimiter stripped from local parts
	// (user+tag@dom meters to user@dom). Empty means metering.DefaultDelimiter;
	// set NoDelimiter to keep tags.
	Delimiter   string
	NoDelimiter bool
	// MaxAge is how long an open message may go without a line before
	// Expire evicts it; zero means DefaultMaxAge.
	MaxAge time.Duration
	// IsLocal, if set, says whether a domain is hosted here. It decides
	// loopback deliveries that are neither LMTP nor filter hops: to a local
	// domain they are final deliveries, otherwise relays (not counted).
	IsLocal func(domain string) bool
	// Trusted names the local users and uids (U= of local submissions) and
	// client networks (H=) whose messages without A= are metered for their
	// envelope sender (see docs/metering-rules.md). The zero value trusts
	// nobody.
	Trusted metering.TrustedSenders
	// FilterPorts are the ports of loopback content filters; nil means
	// 10024, 10025 and 10026.
	FilterPorts []int
	// YearReference anchors syslog-wrapped lines whose stamp has no year
	// (typically the log file's modification time). Zero means the first
	// such line's year is taken from Clock.
	YearReference time.Time
	// Clock is used only when YearReference is zero; nil means time.Now.
	Clock func() time.Time
	// Bounds are the plausible S= and recipient counts; larger values are
	// reported to the sink as anomalies and not counted. Zero means
	// metering's defaults.
	Bounds metering.Bounds
}

// Validate reports options that cannot work.
func (o Options) Validate() error {
	if o.MaxAge < 0 {
		return metering.FieldError("MaxAge", "max age %v is negative", o.MaxAge)
	}
	for _, p := range o.FilterPorts {
		if p <= 0 || p > 65535 {
			return metering.FieldError("FilterPorts", "port %d out of range", p)
		}
	}
	return o.Bounds.Validate()
}

func (o Options) withDefaults() Options {
	if o.Delimiter == "" && !o.NoDelimiter {
		o.Delimiter = metering.DefaultDelimiter
	}
	if o.NoDelimiter {
		o.Delimiter = ""
	}
	if o.MaxAge == 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.FilterPorts == nil {
		o.FilterPorts = []int{10024, 10025, 10026} // docs/metering-rules.md
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	o.Bounds = o.Bounds.WithDefaults()
	return o
}
