package postfix

import (
	"bytes"

	"github.com/mailmeter/mailmeter/metering/logline"
)

// parseQueueLine parses what follows "QID: ".
func parseQueueLine(b []byte, r *Record) error {
	switch {
	case hasPrefix(b, "to="):
		return parseDelivery(b, r)
	case hasPrefix(b, "from="):
		return parseQmgrFrom(b, r)
	case hasPrefix(b, "client="):
		return parseClient(b, r)
	case string(b) == "removed":
		r.Kind = KindRemoved
		return nil
	case hasPrefix(b, "message-id="):
		r.Kind, r.MessageID = KindMessageID, trimAngle(b[len("message-id="):])
		return nil
	case hasPrefix(b, "uid="):
		return parsePickup(b, r)
	case hasPrefix(b, "lost connection after "), hasPrefix(b, "timeout after "):
		return parseLost(b, r)
	}
	if word, rest, ok := verb(b); ok {
		if a, ok := actionOf(word); ok {
			if a == ActionWarning && !hasPrefix(rest, "header ") && !hasPrefix(rest, "body ") {
				r.Kind, r.Text = KindWarning, rest
				return nil
			}
			return parseReject(a, bytes.TrimLeft(rest, " "), r)
		}
		if isLevel(word) {
			r.Kind, r.Text = KindWarning, rest
			return nil
		}
	}
	return parseQueueChatter(b, r)
}

// verb reads a lower-case word followed by ": ".
func verb(b []byte) (word, rest []byte, ok bool) {
	for i, c := range b {
		switch {
		case c == ':':
			if i == 0 || i+1 >= len(b) || b[i+1] != ' ' {
				return nil, nil, false
			}
			return b[:i], b[i+2:], true
		case c >= 'a' && c <= 'z' || c == '_' || c == '-':
		default:
			return nil, nil, false
		}
	}
	return nil, nil, false
}

func isLevel(w []byte) bool {
	switch string(w) {
	case "warning", "error", "fatal", "panic":
		return true
	}
	return false
}

// parseQueueChatter recognizes the remaining queue-id lines: bounce
// notifications, smtp client replies and errors, and known chatter.
func parseQueueChatter(b []byte, r *Record) error {
	if i := index(b, " notification: "); i > 0 {
		id := b[i+len(" notification: "):]
		if isQueueID(id) {
			r.Kind, r.NewQueueID, r.Text = KindNotification, id, b[:i]
			return nil
		}
	}
	switch {
	case hasPrefix(b, "host ") && index(b, " said: ") > 0,
		hasPrefix(b, "lost connection with "), hasPrefix(b, "conversation with "),
		hasPrefix(b, "enabling PIX"), hasPrefix(b, "non-ESMTP response from "),
		hasPrefix(b, "Cannot start TLS"), hasPrefix(b, "TLS is required"),
		hasPrefix(b, "Used TLS for "), hasPrefix(b, "SASL ") && index(b, " authentication failed") > 0,
		hasPrefix(b, "host ") && index(b, " refused to talk to me") > 0:
		r.Kind, r.Text = KindSMTPReply, b
		return nil
	case hasPrefix(b, "resent-message-id="), hasPrefix(b, "skipped, still being delivered"),
		string(b) == "requeued", string(b) == "placed on hold", string(b) == "released from hold",
		hasPrefix(b, "milter-"), hasPrefix(b, "Deleted: "), hasPrefix(b, "Requeued: "),
		hasPrefix(b, "sender_canonical_maps"), index(b, " map lookup problem") > 0:
		r.Kind, r.Text = KindInfo, b
		return nil
	}
	return ErrQueueLine
}

func trimAngle(b []byte) []byte {
	if len(b) >= 2 && b[0] == '<' && b[len(b)-1] == '>' {
		return b[1 : len(b)-1 : len(b)-1]
	}
	return b
}

// parsePickup parses "uid=N from=<s>".
func parsePickup(b []byte, r *Record) error {
	b = b[len("uid="):]
	sp := bytes.IndexByte(b, ' ')
	if sp < 0 {
		return ErrPickup
	}
	uid, ok := logline.Atoi(b[:sp])
	rest, ok2 := cut(b[sp+1:], "from=")
	if !ok || !ok2 {
		return ErrPickup
	}
	r.Kind, r.UID = KindPickup, uid
	r.From, _ = value(rest, ' ')
	if r.From == nil {
		r.From = rest[:0]
	}
	return nil
}

// parseQmgrFrom parses "from=<s>, size=N, nrcpt=N (queue active)" and
// "from=<s>, status=expired, returned to sender".
func parseQmgrFrom(b []byte, r *Record) error {
	from, rest := value(b[len("from="):], ',')
	if from == nil {
		from = b[len("from="):len("from=")]
	}
	r.From = from
	sawSize := false
	for rest = skipSep(rest); len(rest) > 0; rest = skipSep(rest) {
		k, after, ok := key(rest)
		if !ok {
			break
		}
		var v []byte
		v, rest = value(after, ' ')
		switch string(k) {
		case "size":
			r.Size, ok = logline.Atoi(v)
			sawSize = true
		case "nrcpt":
			r.Nrcpt, ok = logline.Atoi(v)
		case "status":
			r.StatusWord = v
			r.Kind, r.Status = KindExpired, StatusExpired
			return nil
		}
		if !ok {
			return ErrQueued
		}
	}
	if !sawSize {
		return ErrQueued
	}
	r.Kind = KindQueued
	return nil
}

// parseClient parses "client=name[ip], sasl_method=M, sasl_username=U, …".
func parseClient(b []byte, r *Record) error {
	v, rest := value(b[len("client="):], ',')
	if len(v) == 0 {
		return ErrClient
	}
	r.Kind, r.Client = KindClient, v
	for rest = skipSep(rest); len(rest) > 0; rest = skipSep(rest) {
		k, after, ok := key(rest)
		if !ok {
			return nil // tolerate trailing text
		}
		v, rest = value(after, ',')
		switch string(k) {
		case "sasl_method":
			r.SASLMethod = v
		case "sasl_username":
			r.SASLUsername = v
		case "sasl_sender":
			r.From = v
		case "orig_queue_id":
			r.OrigQueueID = v
		case "orig_client":
			r.OrigClient = v
		}
	}
	return nil
}
