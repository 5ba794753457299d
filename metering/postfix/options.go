package postfix

import (
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// DefaultMaxAge is how long an open message may go without a line before
// Expire evicts it.
const DefaultMaxAge = 7 * 24 * time.Hour

// Options configure a Processor. The zero value is usable.
type Options struct {
	// YearRef anchors year-less BSD syslog stamps (typically the log file's
	// modification time); zero means the time of construction.
	YearRef time.Time
	// Location reads zone-less stamps; nil means time.Local.
	Location *time.Location
	// Delimiter is the recipient delimiter stripped from local parts
	// (user+tag@dom meters to user@dom); "" means metering.DefaultDelimiter.
	// Use a byte that never occurs in addresses, such as "\x00", to disable.
	Delimiter string
	// FilterPorts are the relay ports of content-filter hops; nil means
	// 10024, 10025 and 10026.
	FilterPorts []int
	// MaxAge is how long an open message may be idle before Expire evicts
	// it; zero means DefaultMaxAge.
	MaxAge time.Duration
	// IsLocal reports whether a recipient domain is hosted here; recipient
	// metrics (in_*, rejected_in, spam_blocked, virus_blocked) are counted
	// only for local domains. Nil counts every domain.
	IsLocal func(domain string) bool
	// Trusted names the local uids (pickup "uid=") and client networks
	// whose messages without a SASL login are metered for their envelope
	// sender (see docs/metering-rules.md). The zero value trusts nobody.
	Trusted metering.TrustedSenders
	// Now is the clock used when YearRef is zero; nil means time.Now.
	Now func() time.Time
	// Bounds are the plausible size= and nrcpt=; larger values are
	// reported to the sink as anomalies and not counted. Zero means
	// metering's defaults.
	Bounds metering.Bounds
}

// withDefaults fills the zero fields.
func (o Options) withDefaults() Options {
	if o.Delimiter == "" {
		o.Delimiter = metering.DefaultDelimiter
	}
	if o.FilterPorts == nil {
		o.FilterPorts = []int{10024, 10025, 10026}
	}
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.YearRef.IsZero() {
		o.YearRef = o.Now()
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	o.Bounds = o.Bounds.WithDefaults()
	return o
}
