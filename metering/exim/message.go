package exim

import "time"

// msgKey is a message id as a map key, without allocating a string.
type msgKey struct {
	n uint8
	b [23]byte
}

// keyOf returns the key of id; ok is false for ids longer than 23 bytes.
func keyOf(id []byte) (k msgKey, ok bool) {
	if len(id) == 0 || len(id) > len(k.b) {
		return k, false
	}
	for _, c := range id {
		// Message ids are printable ASCII; anything else (a damaged line)
		// is no id, and could not survive the checkpoint state's JSON.
		if c <= ' ' || c > '~' {
			return k, false
		}
	}
	k.n = uint8(copy(k.b[:], id))
	return k, true
}

func (k msgKey) String() string { return string(k.b[:k.n]) }

// message is what the processor knows of one open message.
type message struct {
	arrival    time.Time // the "<=" line's time; zero until seen
	lastSeen   time.Time // the newest line's time, for Expire
	size       int64     // S= of "<=", -1 until known
	login      string    // metered authenticated sender; "" when none
	authed     bool      // A= on "<=" (possibly without an id)
	senderDom  string    // domain of the envelope sender, "" for <>
	arrived    bool      // "<=" seen
	reinjected bool      // arrived back from a filter hop: not counted again
	rcptsDone  bool      // out_recipients already given by "for …"
	candidate  bool      // may still be linked as a filter's re-injected copy
	msgID      uint64    // Message-ID hash, kept while trusted senders are configured
	early      early     // outcomes seen while a candidate without a login
	rcpts      []uint64  // hashes of recipients already counted
	pending    []pendingDelivery
}

// pendingDelivery is a ">>" cutthrough delivery logged before its "<=".
type pendingDelivery struct {
	Class    deliveryClass `json:"class"`
	Mailbox  string        `json:"mailbox,omitempty"` // final mailbox of a local delivery
	Rcpt     uint64        `json:"rcpt"`              // envelope recipient hash
	Queue    time.Duration `json:"qt"`                // QT=, NoDuration when not logged
	Size     int64         `json:"size"`              // S= of the delivery line, -1 if absent
	QueuedAs string        `json:"queued_as,omitempty"`
}

// link carries a filter hop's message to the id it was re-injected as.
type link struct {
	login     string
	authed    bool
	senderDom string
	lastSeen  time.Time
}

func (m *message) reset() {
	rc, pd := m.rcpts[:0], m.pending[:0]
	*m = message{size: -1, rcpts: rc, pending: pd, candidate: true}
}

// counted reports whether rcpt was counted already, and records it.
func (m *message) counted(rcpt uint64) bool {
	for _, h := range m.rcpts {
		if h == rcpt {
			return true
		}
	}
	m.rcpts = append(m.rcpts, rcpt)
	return false
}

// attributed reports whether the message's out_* metrics go to a login.
func (m *message) attributed() bool { return m.login != "" }
