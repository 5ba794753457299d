package metering

import "time"

// Metric names one measured quantity, as stored and as shown by the API.
type Metric string

// Counter metrics, summed per mailbox and hour. Their exact definitions are in
// docs/metering-rules.md.
const (
	InMessages    Metric = "in_messages"    // final deliveries into the mailbox
	InBytes       Metric = "in_bytes"       // size of the delivered copies
	OutMessages   Metric = "out_messages"   // messages accepted from the mailbox as authenticated sender
	OutRecipients Metric = "out_recipients" // recipients of those messages (nrcpt)
	OutBytes      Metric = "out_bytes"      // size × recipients delivered (status=sent)
	Bounced       Metric = "bounced"        // recipients of the mailbox's messages that finally bounced
	Deferred      Metric = "deferred"       // deferral events of the mailbox's messages
	RejectedIn    Metric = "rejected_in"    // permanent (5xx) SMTP-time rejects naming the mailbox as recipient
	RejectedOut   Metric = "rejected_out"   // permanent (5xx) rejects of the mailbox's submissions
	TempfailedIn  Metric = "tempfailed_in"  // temporary (4xx) SMTP-time rejects naming the mailbox as recipient
	TempfailedOut Metric = "tempfailed_out" // temporary (4xx) rejects of the mailbox's submissions
	SpamBlocked   Metric = "spam_blocked"   // content-filter spam blocks listing the mailbox
	VirusBlocked  Metric = "virus_blocked"  // content-filter virus blocks listing the mailbox
)

// Gauge metrics, kept as last and max value per mailbox, folder and hour.
const (
	StorageBytes    Metric = "storage_bytes"
	StorageMessages Metric = "storage_messages"
)

// counterMetrics is the one order of the counter metrics: presentation,
// the recorder's sums (a counter's index in it) and the store's columns
// follow it.
var counterMetrics = [...]Metric{
	InBytes, InMessages, OutBytes, OutMessages, OutRecipients,
	RejectedIn, RejectedOut, TempfailedIn, TempfailedOut, Bounced, Deferred, SpamBlocked, VirusBlocked,
}

// CounterMetrics lists every counter metric in presentation order.
var CounterMetrics = counterMetrics[:]

// CounterIndex returns m's index in CounterMetrics, or -1 if m is not a
// counter metric.
func CounterIndex(m Metric) int {
	for i, c := range counterMetrics {
		if c == m {
			return i
		}
	}
	return -1
}

// RejectMetrics returns the metrics an SMTP-time reject counts for: for the
// recipient (in) and for the sender (out). A temporary reject (4xx: the
// client may retry, and usually does) is tempfailed, a permanent one (5xx)
// rejected.
func RejectMetrics(temporary bool) (in, out Metric) {
	if temporary {
		return TempfailedIn, TempfailedOut
	}
	return RejectedIn, RejectedOut
}

// GaugeMetrics lists every gauge metric.
var GaugeMetrics = []Metric{StorageBytes, StorageMessages}

// IsCounter reports whether m is a known counter metric.
func (m Metric) IsCounter() bool { return CounterIndex(m) >= 0 }

// IsGauge reports whether m is a known gauge metric.
func (m Metric) IsGauge() bool { return m == StorageBytes || m == StorageMessages }

// Hour truncates t to the start of its UTC hour, the bucket usage is kept in.
func Hour(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) }

// Month returns the first instant of t's UTC calendar month.
func Month(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}
