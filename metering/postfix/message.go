package postfix

import "time"

// message is what the Processor remembers about one open queue id.
type message struct {
	Login      string `json:"login,omitempty"`       // authenticated sender (metered as)
	FromDomain string `json:"from_domain,omitempty"` // envelope sender's domain, for outbound latency
	Size       int64  `json:"size,omitempty"`        // first qmgr size=
	Nrcpt      int64  `json:"nrcpt,omitempty"`       // first qmgr nrcpt=
	Done       int64  `json:"done,omitempty"`        // recipients with a final outcome (sent, bounced, expired)
	Queued     bool   `json:"queued,omitempty"`      // the first qmgr from= line was seen
	Reinjected bool   `json:"reinjected,omitempty"`  // re-injected by a content filter
	Blocked    bool   `json:"blocked,omitempty"`     // a content filter's block was counted already
	Trusted    bool   `json:"trusted,omitempty"`     // from a trusted uid or client: metered for its envelope sender
	MsgID      uint64 `json:"mid,omitempty"`         // Message-ID hash, kept while trusted senders are configured
	// Outcomes seen while the message had no authenticated sender, to be
	// counted if a filter hop logged late links it to one (see catchUp).
	EarlySent     int64     `json:"early_sent,omitempty"` // remote deliveries with status=sent
	EarlyBounced  int64     `json:"early_bounced,omitempty"`
	EarlyDeferred int64     `json:"early_deferred,omitempty"`
	Last          time.Time `json:"last"` // time of the latest line
}

// table holds the open messages keyed by host and queue id, reusing key
// buffers and message structs so that steady-state lookups do not allocate.
type table struct {
	m    map[string]*message
	key  []byte
	free []*message
}

func newTable() table { return table{m: make(map[string]*message)} }

// makeKey builds "host\x00qid" in the reusable buffer.
func (t *table) makeKey(host string, qid []byte) []byte {
	t.key = append(append(append(t.key[:0], host...), 0), qid...)
	return t.key
}

// get returns the open message for host and qid, or nil.
func (t *table) get(host string, qid []byte) *message {
	return t.m[string(t.makeKey(host, qid))]
}

// open returns the message for host and qid, creating it when absent.
func (t *table) open(host string, qid []byte) *message {
	k := t.makeKey(host, qid)
	if m := t.m[string(k)]; m != nil {
		return m
	}
	var m *message
	if n := len(t.free); n > 0 {
		m, t.free = t.free[n-1], t.free[:n-1]
	} else {
		m = new(message)
	}
	t.m[string(k)] = m
	return m
}

// close forgets the message for host and qid.
func (t *table) close(host string, qid []byte) {
	k := t.makeKey(host, qid)
	if m := t.m[string(k)]; m != nil {
		delete(t.m, string(k))
		t.recycle(m)
	}
}

func (t *table) recycle(m *message) {
	*m = message{}
	if len(t.free) < 1024 {
		t.free = append(t.free, m)
	}
}

// expire forgets messages idle since before cutoff and returns how many.
func (t *table) expire(cutoff time.Time) int64 {
	var n int64
	for k, m := range t.m {
		if m.Last.Before(cutoff) {
			delete(t.m, k)
			t.recycle(m)
			n++
		}
	}
	return n
}
