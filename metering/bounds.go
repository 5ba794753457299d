package metering

import (
	"fmt"
	"math"
)

// Default plausibility bounds: a message over 2 GiB or with more than
// 100,000 recipients is not mail any MTA here accepts, but a line anyone can
// write with logger(1).
const (
	DefaultMaxMessageBytes = 2 << 30
	DefaultMaxRecipients   = 100_000
)

// Bounds are the largest values a log line may plausibly carry. A larger
// value is an anomaly: reported, counted, and never added to a meter (the
// rest of its line is processed as usual). The zero value means the
// defaults.
type Bounds struct {
	MaxMessageBytes int64 // a message's size (Postfix size=, Exim S=)
	MaxRecipients   int64 // a message's recipients (Postfix nrcpt=, Exim "for …")
}

// Validate reports bounds that cannot work.
func (b Bounds) Validate() error {
	if b.MaxMessageBytes < 0 {
		return FieldError("max_message_bytes", "max_message_bytes %d is negative", b.MaxMessageBytes)
	}
	if b.MaxRecipients < 0 {
		return FieldError("max_recipients", "max_recipients %d is negative", b.MaxRecipients)
	}
	return nil
}

// WithDefaults fills the zero fields with the defaults.
func (b Bounds) WithDefaults() Bounds {
	if b.MaxMessageBytes == 0 {
		b.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if b.MaxRecipients == 0 {
		b.MaxRecipients = DefaultMaxRecipients
	}
	return b
}

// Anomaly reasons.
const (
	AnomalySize        = "message_size" // a size over Bounds.MaxMessageBytes
	AnomalyRecipients  = "recipients"   // a recipient count over Bounds.MaxRecipients
	AnomalySumOverflow = "sum_overflow" // an event whose sum would pass the int64 range
)

// Anomaly is an implausible value a source met and did not count.
type Anomaly struct {
	Reason  string // AnomalySize, AnomalyRecipients or AnomalySumOverflow
	Field   string // the value's name in the line ("size", "nrcpt", "S") or the metric
	Value   int64
	Limit   int64  // the bound it passed (math.MaxInt64 for a sum)
	Mailbox string // for a sum, the mailbox it was for
}

func (a Anomaly) String() string {
	if a.Reason == AnomalySumOverflow {
		return fmt.Sprintf("%s of %s: adding %d would pass the int64 range", a.Field, a.Mailbox, a.Value)
	}
	return fmt.Sprintf("%s=%d is over the bound of %d (%s)", a.Field, a.Value, a.Limit, a.Reason)
}

// AnomalySink is a Sink that also hears of the anomalies its source met.
type AnomalySink interface {
	Sink
	Anomaly(Anomaly)
}

// ReportAnomaly tells sink of a, if it listens.
func ReportAnomaly(sink Sink, a Anomaly) {
	if as, ok := sink.(AnomalySink); ok {
		as.Anomaly(a)
	}
}

// Size returns v if it is a plausible message size, else reports the
// anomaly (field names the value in its line) to sink and returns 0, a size
// that adds nothing.
func (b Bounds) Size(sink Sink, field string, v int64) int64 {
	return b.check(sink, AnomalySize, field, v, b.WithDefaults().MaxMessageBytes)
}

// Recipients returns v if it is a plausible recipient count, else reports
// the anomaly to sink and returns 0.
func (b Bounds) Recipients(sink Sink, field string, v int64) int64 {
	return b.check(sink, AnomalyRecipients, field, v, b.WithDefaults().MaxRecipients)
}

func (b Bounds) check(sink Sink, reason, field string, v, limit int64) int64 {
	if v <= limit {
		return v
	}
	ReportAnomaly(sink, Anomaly{Reason: reason, Field: field, Value: v, Limit: limit})
	return 0
}

// CheckedAdd returns a+b, or a and false if the sum passes the int64
// range: the one overflow check of every sum of usage.
func CheckedAdd(a, b int64) (int64, bool) {
	if b > 0 && a > math.MaxInt64-b || b < 0 && a < math.MinInt64-b {
		return a, false
	}
	return a + b, true
}
