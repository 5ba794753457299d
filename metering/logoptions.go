package metering

import "time"

// DefaultMaxOpenAge is how long a log parser keeps a message open without a
// line before Expire evicts it.
const DefaultMaxOpenAge = 7 * 24 * time.Hour

// LogOptions configure the Processor of a log parser: postfix.Options and
// exim.Options are this type, so the sibling parsers take the same settings
// with the same meaning. The zero value is valid.
type LogOptions struct {
	// Location reads timestamps that carry no zone; nil means UTC.
	Location *time.Location
	// YearRef anchors syslog stamps without a year (typically the log
	// file's modification time). Zero means the time Now gives (for a
	// restored state: its latest stamp).
	YearRef time.Time
	// Now is the clock: it stands for a zero YearRef and dates a line
	// without any stamp when no stamp was seen yet. Nil means time.Now.
	Now func() time.Time
	// Delimiter is the recipient delimiter stripped from local parts
	// (user+tag@dom meters to user@dom); "" means DefaultDelimiter.
	// NoDelimiter keeps tags.
	Delimiter   string
	NoDelimiter bool
	// MaxAge is how long an open message may go without a line before
	// Expire evicts it; zero means DefaultMaxOpenAge.
	MaxAge time.Duration
	// IsLocal reports whether a domain is hosted here; each parser's
	// package documentation says what it decides (Postfix: recipient
	// metrics count only for local domains, nil counting every domain;
	// Exim: a loopback delivery that is neither LMTP nor a filter hop is
	// final to a local domain and else a relay, nil making it a relay).
	IsLocal func(domain string) bool
	// Trusted names the local users and uids and the client networks whose
	// messages without a SASL login are metered for their envelope sender
	// (see docs/metering-rules.md). The zero value trusts nobody.
	Trusted TrustedSenders
	// FilterPorts are the loopback ports of content filters, whose hops
	// are not deliveries; nil means 10024, 10025 and 10026.
	FilterPorts []int
	// Bounds are the plausible message size and recipient count; larger
	// values are reported to the sink as anomalies and not counted. Zero
	// means the defaults.
	Bounds Bounds
}

// Validate reports options that cannot work: Invalid, naming the field.
func (o LogOptions) Validate() error {
	if o.MaxAge < 0 {
		return FieldError("MaxAge", "max age %v is negative", o.MaxAge)
	}
	for _, p := range o.FilterPorts {
		if p <= 0 || p > 65535 {
			return FieldError("FilterPorts", "port %d out of range", p)
		}
	}
	return o.Bounds.Validate()
}

// WithDefaults fills the zero fields; YearRef stays zero (each parser
// reads Now when it first needs a year).
func (o LogOptions) WithDefaults() LogOptions {
	if o.NoDelimiter {
		o.Delimiter = ""
	} else if o.Delimiter == "" {
		o.Delimiter = DefaultDelimiter
	}
	if o.MaxAge == 0 {
		o.MaxAge = DefaultMaxOpenAge
	}
	if o.FilterPorts == nil {
		o.FilterPorts = []int{10024, 10025, 10026} // docs/metering-rules.md
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Bounds = o.Bounds.WithDefaults()
	return o
}
