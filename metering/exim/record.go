package exim

import (
	"time"
)

// NoDuration marks a duration field (QT=, DT=, RT=, D=) that the line does
// not carry or that could not be read (the test suite's munged "QT=qqs").
const NoDuration time.Duration = -1

// Record is one parsed mainlog line. Its byte slices alias the line given
// to ParseLine and are valid only as long as that line is; absent fields
// are nil, absent numbers -1 (Size) or NoDuration.
type Record struct {
	// Time is the line's timestamp. Exim writes local time unless
	// log_timezone adds "+HHMM"; zone-less stamps are read in the Parser's
	// location (UTC for ParseLine). When a syslog-wrapped line carries no
	// year (BSD syslog without Exim's own stamp), HasYear is false and Time
	// is the wall clock in year 0, for a logline.YearInferrer to resolve.
	Time    time.Time
	HasYear bool
	HasZone bool // the stamp named its zone: Time is exact
	PID     int  // [pid] with log_selector +pid; 0 if absent

	Kind Kind
	ID   []byte // the Exim message id, 16 or 23 (Exim ≥ 4.97) characters
	// FakeReject marks an arrival logged "(=": accepted, while the client
	// was told it was rejected (control = fakereject).
	FakeReject bool

	// Address is the arrival's sender ("<=", empty for "<>"), the address
	// of a delivery, failure or deferral (the local part only for many
	// local deliveries; "|command" for pipes, a path for files), the
	// recipient of a RCPT reject or the sender of a MAIL reject.
	Address []byte
	// Original is the "<address>" after a delivered address: the envelope
	// recipient before routing (aliases, local parts, pipes).
	Original []byte
	// Parent is the "(address)" of an intermediate alias after Original.
	Parent []byte

	Size       int64  // S=: received size on "<=", delivered size with +delivery_size; -1 if absent
	HasAuth    bool   // A= present: an authenticated SMTP session
	AuthName   []byte // A=name[:id[:sender]]: the authenticator
	AuthID     []byte // the authenticated id (set_id), the login metered
	User       []byte // U=: local user or ident
	Protocol   []byte // P= on arrivals: local, smtp, esmtpsa …
	ReturnPath []byte // P=<…> on deliveries (+return_path_on_delivery)
	Sender     []byte // F=<…>: envelope sender on deliveries and rejects

	Host       []byte // H=: the whole host clause, "name (helo) [ip]:port"
	HostName   []byte // the name in H= before any "(helo)" or "[ip]"; nil if none
	HostIP     []byte // the last "[ip]" of H= (the reliable one), without brackets
	HostPort   int    // the port after the last "[ip]"; 0 if absent
	HostReused bool   // H=… [ip]* : the connection carried an earlier message
	Interface  []byte // I=[ip]:port, raw

	Router    []byte // R=: router; on "<= <>" bounce arrivals the parent message id
	Transport []byte // T= on deliveries
	Subject   []byte // T="…" on arrivals, raw: escapes (\" \\ \n) not undone
	// Confirmation is C="…" on deliveries, raw (the remote's reply), and
	// C=EHLO,… on connection lines.
	Confirmation []byte
	// QueuedAs is the id the receiving side gave the message, read from
	// Confirmation: "queued as X" (Postfix, amavis …) or "id=X" (Exim).
	QueuedAs  []byte
	MessageID []byte // id=: the Message-ID header

	QueueTime    time.Duration // QT=: time on queue (arrival to delivery, or overall on Completed)
	DeliveryTime time.Duration // DT=
	ReceiveTime  time.Duration // RT=
	Duration     time.Duration // D=: SMTP session length

	// Recipients is the raw "a b c" list of "for a b c" (+received_recipients
	// on "<=", and sa-exim lines); see EachRecipient.
	Recipients []byte
	From       []byte // "from <x>" (+received_sender), without brackets

	Temporary bool   // "temporarily rejected", "tmp-reject"
	Reason    []byte // text after the fields: failure, deferral and reject reasons; sa-exim action
	Text      []byte // the whole message text after the prefix and id
}

func (r *Record) reset() {
	*r = Record{Size: -1, QueueTime: NoDuration, DeliveryTime: NoDuration,
		ReceiveTime: NoDuration, Duration: NoDuration}
}

// EachRecipient calls fn with each address of Recipients, in order. Quoted
// local parts ("a b"@c) stay whole; commas between addresses are ignored.
func (r *Record) EachRecipient(fn func(addr []byte)) {
	b := r.Recipients
	for len(b) > 0 {
		b = skipRcptSep(b)
		if len(b) == 0 {
			return
		}
		tok, rest := quotedToken(b)
		for len(tok) > 0 && tok[len(tok)-1] == ',' {
			tok = tok[:len(tok)-1]
		}
		if len(tok) > 0 {
			fn(tok)
		}
		b = rest
	}
}

// RecipientCount returns the number of addresses in Recipients.
func (r *Record) RecipientCount() int {
	n := 0
	r.EachRecipient(func([]byte) { n++ })
	return n
}

func skipRcptSep(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == ',') {
		b = b[1:]
	}
	return b
}

// Unquote undoes the backslash escapes Exim writes inside quoted values
// (Subject, Confirmation): \" \\ and \n, \t, \r. It returns b itself when
// there is nothing to undo.
func Unquote(b []byte) []byte {
	i := indexByte(b, '\\')
	if i < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	out = append(out, b[:i]...)
	for ; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 == len(b) {
			out = append(out, c)
			continue
		}
		i++
		switch b[i] {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		default:
			out = append(out, b[i])
		}
	}
	return out
}
