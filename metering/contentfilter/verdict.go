package contentfilter

import "time"

// Source names the content filter that wrote a line.
type Source uint8

// Content filters.
const (
	SourceUnknown Source = iota
	SourceAmavis
	SourceRspamd
	SourceSpamd
	SourceClamAV
)

// String returns the filter's name.
func (s Source) String() string {
	switch s {
	case SourceAmavis:
		return "amavis"
	case SourceRspamd:
		return "rspamd"
	case SourceSpamd:
		return "spamd"
	case SourceClamAV:
		return "clamav"
	}
	return "unknown"
}

// Verdict is one content-filter decision about one message.
type Verdict struct {
	Source Source
	// Action is the filter's own word: amavis "Passed"/"Blocked", rspamd
	// "no action"/"reject"/"add header"/…, spamd "Y"/".", clamav "infected".
	Action []byte
	// Category is amavis's content class (CLEAN, SPAM, SPAMMY, INFECTED,
	// BANNED, BAD-HEADER, …); empty for other filters.
	Category []byte
	Detail   []byte // virus name or banned part: "Eicar-Test-Signature"
	Flags    []byte // amavis "{RelayedInbound}" contents, without braces
	Blocked  bool   // the message was not delivered (amavis Blocked, rspamd reject)
	Spam     bool   // classified as spam
	Virus    bool   // classified as infected

	Sender     []byte // envelope sender without brackets; empty for <>
	Recipients []byte // raw recipient list; iterate with EachRecipient
	Size       int64  // the filter's view of the message size; 0 if not logged
	QueueID    []byte // Postfix queue id of the message as received (amavis Queue-ID:, rspamd qid:)
	QueuedAs   []byte // Postfix queue id of the re-injected copy (amavis queued_as:)
	MessageID  []byte
	Score      []byte // amavis Hits:, spamd score, rspamd score; raw
	User       []byte // rspamd user: (authenticated sender), spamd user=
	Elapsed    time.Duration
}

// EachRecipient calls fn with every recipient address (brackets removed)
// in v.Recipients. It allocates nothing.
func (v *Verdict) EachRecipient(fn func(addr []byte)) {
	list := v.Recipients
	for len(list) > 0 {
		item, rest := nextRecipient(list)
		if len(item) > 0 {
			fn(item)
		}
		list = rest
	}
}

// nextRecipient splits "<a>,<b>" or "<a>, <b>" or "a b" at the first
// separator outside angle brackets and quotes.
func nextRecipient(b []byte) (item, rest []byte) {
	depth, quoted := 0, false
	for i, c := range b {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<':
			depth++
		case c == '>' && depth > 0:
			depth--
		case depth == 0 && (c == ',' || c == ' '):
			return trimAddr(b[:i]), b[i+1:]
		}
	}
	return trimAddr(b), nil
}

func trimAddr(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '<') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '>') {
		b = b[:len(b)-1]
	}
	return b
}
