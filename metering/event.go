package metering

import "time"

// Event is one counted occurrence for one mailbox: "3 bytes in at 10:00:01".
// Sources emit events; the Recorder sums them per (mailbox, metric, hour).
type Event struct {
	Time    time.Time // when it happened (any zone; stored as UTC hour)
	Mailbox string    // canonical address (see CanonicalMailbox)
	Metric  Metric    // a counter metric
	Value   int64
}

// Direction separates latency of local delivery from remote delivery.
type Direction string

// Latency directions.
const (
	Inbound  Direction = "inbound"  // final delivery into a local mailbox
	Outbound Direction = "outbound" // delivery to a remote server
)

// LatencySample is one delivery's time from arrival to delivery.
type LatencySample struct {
	Time      time.Time // delivery time
	Direction Direction
	Domain    string        // recipient domain (inbound) or sender domain (outbound); "" if unknown
	Delay     time.Duration // arrival to delivery
}

// StorageSample is one observation of a mailbox's (or folder's) storage.
// Folder is "" for the mailbox total, "INBOX" for the Maildir root and the
// Maildir++ name without the leading dot ("Sent", "A.B"; modified UTF-7
// decoded, see maildir.FolderName) for subfolders.
type StorageSample struct {
	Time     time.Time
	Mailbox  string
	Folder   string
	Bytes    int64
	Messages int64
}

// Sink receives what sources measure. Implementations must be safe for use
// by one source goroutine at a time; the Recorder is.
type Sink interface {
	Count(Event)
	Latency(LatencySample)
	Storage(StorageSample)
}

// Count sends sink the event of v of metric for mailbox at t, unless the
// mailbox is empty (not known from the log) or v is zero.
func Count(sink Sink, t time.Time, mailbox string, metric Metric, v int64) {
	if mailbox == "" || v == 0 {
		return
	}
	sink.Count(Event{Time: t, Mailbox: mailbox, Metric: metric, Value: v})
}
