package postfix

import "time"

// Kind says what a line is.
type Kind uint8

// Record kinds.
const (
	KindUnknown        Kind = iota
	KindClient              // smtpd "QID: client=name[ip], sasl_username=…"
	KindPickup              // pickup "QID: uid=N from=<s>"
	KindMessageID           // cleanup "QID: message-id=<id>"
	KindQueued              // qmgr "QID: from=<s>, size=N, nrcpt=N (queue active)"
	KindExpired             // qmgr "QID: from=<s>, status=expired, returned to sender"
	KindRemoved             // qmgr "QID: removed"
	KindDelivery            // "QID: to=<r>, relay=…, delay=…, status=…"
	KindNotification        // bounce "QID: sender non-delivery notification: NEWQID"
	KindReject              // "NOQUEUE|QID: reject|milter-reject|hold|…: …; from=<s> to=<r> …"
	KindConnect             // smtpd "connect from name[ip]"
	KindDisconnect          // smtpd "disconnect from name[ip] …"
	KindLostConnection      // smtpd "lost connection|timeout after X from …"
	KindPostscreen          // postscreen "CONNECT from", "PASS NEW", "DNSBL rank", …
	KindSMTPReply           // smtp "QID: host … said: …", "QID: lost connection with …"
	KindWarning             // "warning:", "error:", "fatal:", "panic:" (with or without QID)
	KindInfo                // other known chatter: TLS, statistics, daemon start/stop, …
	numKinds
)

// String returns the kind's name as used in ProcessorStats.Records.
func (k Kind) String() string {
	switch k {
	case KindUnknown:
		return "unknown"
	case KindClient:
		return "client"
	case KindPickup:
		return "pickup"
	case KindMessageID:
		return "message-id"
	case KindQueued:
		return "queued"
	case KindExpired:
		return "expired"
	case KindRemoved:
		return "removed"
	case KindDelivery:
		return "delivery"
	case KindNotification:
		return "notification"
	case KindReject:
		return "reject"
	case KindConnect:
		return "connect"
	case KindDisconnect:
		return "disconnect"
	case KindLostConnection:
		return "lost-connection"
	case KindPostscreen:
		return "postscreen"
	case KindSMTPReply:
		return "smtp-reply"
	case KindWarning:
		return "warning"
	case KindInfo:
		return "info"
	}
	return "invalid"
}

// Status is a delivery's status= value.
type Status uint8

// Delivery statuses.
const (
	StatusOther         Status = iota // anything not listed
	StatusSent                        // delivered (or handed to the next hop)
	StatusBounced                     // permanent failure
	StatusDeferred                    // temporary failure, will retry
	StatusExpired                     // qmgr: maximal_queue_lifetime reached
	StatusDeliverable                 // address-verification probe, not a delivery
	StatusUndeliverable               // address-verification probe, not a delivery
)

// Action is the verb of a reject-style line.
type Action uint8

// Reject-style actions (smtpd access restrictions, header/body checks,
// milters, before-queue proxies).
const (
	ActionOther Action = iota
	ActionReject
	ActionMilterReject
	ActionRejectWarning
	ActionProxyReject
	ActionProxyAccept
	ActionDiscard
	ActionHold
	ActionFilter
	ActionRedirect
	ActionWarning
	ActionInfo
	ActionReplace
	ActionPrepend
	ActionBCC
)

// actionOf maps the verb of a reject-style line to its Action.
func actionOf(b []byte) (Action, bool) {
	switch string(b) {
	case "reject":
		return ActionReject, true
	case "milter-reject":
		return ActionMilterReject, true
	case "reject_warning":
		return ActionRejectWarning, true
	case "proxy-reject":
		return ActionProxyReject, true
	case "proxy-accept":
		return ActionProxyAccept, true
	case "discard", "milter-discard":
		return ActionDiscard, true
	case "hold", "milter-hold":
		return ActionHold, true
	case "filter":
		return ActionFilter, true
	case "redirect":
		return ActionRedirect, true
	case "warning", "warn":
		return ActionWarning, true
	case "bcc":
		return ActionBCC, true
	case "info":
		return ActionInfo, true
	case "replace":
		return ActionReplace, true
	case "prepend":
		return ActionPrepend, true
	}
	return ActionOther, false
}

// Record is one parsed line. Byte fields alias the line passed to
// ParseLine. Which fields are set depends on Kind; addresses are given
// without angle brackets, and an empty non-nil From is the null sender.
type Record struct {
	Kind    Kind
	QueueID []byte // "NOQUEUE" on NOQUEUE lines, nil when the line has none

	// KindClient
	Client       []byte // "name[ip]" (smtpd), "[ip]:port" (postscreen)
	SASLMethod   []byte
	SASLUsername []byte // also on reject lines (Postfix ≥3.9 appends it)
	OrigQueueID  []byte // set on re-injection through a before-queue filter
	OrigClient   []byte

	// KindPickup, KindQueued, KindExpired, KindReject
	From  []byte
	UID   int64 // KindPickup
	Size  int64 // KindQueued
	Nrcpt int64 // KindQueued

	MessageID []byte // KindMessageID

	// KindDelivery (To also on KindReject)
	To, OrigTo []byte
	Relay      []byte // raw relay= value: "host[ip]:port", "local", "none", …
	Delay      time.Duration
	Delays     []byte // raw a/b/c/d, nil on Postfix <2.3
	DSN        []byte
	Status     Status
	StatusWord []byte // raw status= value
	Text       []byte // reply text: delivery "(…)", reject reason, warning text
	QueuedAs   []byte // "queued as NEWQID" in a delivery reply or a proxy-accept line

	NewQueueID []byte // KindNotification: the queue id of the notification

	// KindReject
	Action Action
	// Temporary marks a reject whose reply is a 4xx code (or a 4.x.x
	// enhanced status, as milters write): the client may retry.
	Temporary bool
	Stage     []byte // RCPT, END-OF-MESSAGE, CONNECT, header, body, …
	Proto     []byte
	Helo      []byte
}

// ParseLine parses the message part of a Postfix log line. It returns an
// Error naming the reason when the line is not recognized; the Record's
// Kind is then KindUnknown. It never panics.
func ParseLine(msg []byte) (Record, error) {
	var r Record
	err := parseInto(msg, &r)
	if err != nil {
		r = Record{}
	}
	return r, err
}

// parseInto dispatches on the line's shape.
func parseInto(b []byte, r *Record) error {
	for len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return ErrEmpty
	}
	if qid, rest, ok := splitQueueID(b); ok {
		r.QueueID = qid
		err := parseQueueLine(rest, r)
		if err != ErrQueueLine || string(qid) == "NOQUEUE" {
			return err
		}
		*r = Record{}
		if parseSessionLine(b, r) != nil {
			return err
		}
		return nil
	}
	return parseSessionLine(b, r)
}

// splitQueueID recognizes "QID: " or "QID:" at the start of b.
func splitQueueID(b []byte) (qid, rest []byte, ok bool) {
	for i, c := range b {
		if c == ':' {
			if !isQueueID(b[:i]) && string(b[:i]) != "NOQUEUE" {
				return nil, nil, false
			}
			rest = b[i+1:]
			if len(rest) > 0 && rest[0] == ' ' {
				rest = rest[1:]
			}
			return b[:i:i], rest, true
		}
		if i > 24 || c == ' ' {
			break
		}
	}
	return nil, nil, false
}
