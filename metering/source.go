package metering

import "time"

// LineProcessor turns the lines of one log source into events. One
// processor serves one source and is driven by one goroutine.
//
// Its open state (messages seen but not yet complete) is part of the
// source's checkpoint: MarshalState after a batch of lines, and
// UnmarshalState on restart, must together make processing resume exactly
// where it stopped, so no event is lost or emitted twice.
type LineProcessor interface {
	// ProcessLine consumes one complete line without its newline. It never
	// fails: unknown or malformed lines are counted in Stats.
	ProcessLine(line []byte, sink Sink)
	// Expire evicts open messages last seen before now minus the processor's
	// maximum age, emitting what they are known to have done, and counts them.
	Expire(now time.Time, sink Sink)
	// MarshalState returns the open state; UnmarshalState restores it.
	MarshalState() ([]byte, error)
	UnmarshalState([]byte) error
	// Stats returns counters since construction.
	Stats() ProcessorStats
}

// ProcessorStats counts what a LineProcessor has seen.
type ProcessorStats struct {
	Lines     int64               // lines consumed
	Records   map[string]int64    // parsed records by kind ("delivery", "reject", …)
	Unknown   map[string]int64    // unparsed lines by reason
	Samples   map[string][]string // up to a few sample lines per unknown reason
	Open      int                 // messages currently open
	Evicted   int64               // messages evicted by Expire
	NewestLog time.Time           // timestamp of the newest line seen
}

// Checkpoint is where a source stands: enough to resume exactly once. It is
// committed in the same transaction as the usage it accounts for.
type Checkpoint struct {
	Source    string // stable source name, "host:/var/log/mail.log"
	Seq       int64  // incremented by one per committed batch
	Offset    int64  // bytes consumed from the source so far, across rotations (monotonic)
	Position  []byte // the tailer's position (file identities and offsets), opaque here
	State     []byte // the LineProcessor's open state, opaque here
	UpdatedAt time.Time
}
