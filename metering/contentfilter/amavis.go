package contentfilter

import (
	"bytes"
	"time"

	"github.com/mailmeter/mailmeter/metering/logline"
)

// ParseAmavis parses an amavisd-new verdict line, modern or ≤2.6:
//
//	(pid-nn) Blocked INFECTED (name) {DiscardedInbound,Quarantined}, [ip]:port [ip] <s> -> <r1>,<r2>, quarantine: …, Queue-ID: ID, Message-ID: <…>, mail_id: …, Hits: -, size: N, queued_as: ID, 104 ms
//	(pid-nn) Passed SPAM, <s> -> <r>, Hits: 4.637, tag=0, tag2=2, kill=2, queued_as: ID, L/Y/Y/Y
//
// Other amavis lines return ErrNotVerdict.
func ParseAmavis(msg []byte) (Verdict, error) {
	v := Verdict{Source: SourceAmavis}
	b := msg
	if len(b) > 0 && b[0] == '(' {
		if i := bytes.IndexByte(b, ')'); i > 0 {
			b = bytes.TrimLeft(b[i+1:], " ")
		}
	}
	action, rest := word(b, " ,")
	switch string(action) {
	case "Passed":
	case "Blocked":
		v.Blocked = true
	default:
		return Verdict{}, ErrNotVerdict
	}
	v.Action = action
	if err := amavisClass(rest, &v); err != nil {
		return Verdict{}, err
	}
	return v, nil
}

// amavisClass reads " CATEGORY [(detail)] [{flags}], origin <s> -> <r>, fields".
func amavisClass(b []byte, v *Verdict) error {
	if len(b) > 0 && b[0] == ' ' {
		v.Category, b = word(b[1:], " ,{")
	}
	b = bytes.TrimLeft(b, " ")
	if in, rest, ok := paren(b); ok {
		v.Detail, b = in, bytes.TrimLeft(rest, " ")
	}
	if len(b) > 0 && b[0] == '{' {
		if i := bytes.IndexByte(b, '}'); i > 0 {
			v.Flags, b = b[1:i:i], b[i+1:]
		}
	}
	switch string(v.Category) {
	case "SPAM", "SPAMMY":
		v.Spam = true
	case "INFECTED":
		v.Virus = true
	}
	b, ok := cutPrefix(b, ", ")
	if !ok {
		return ErrMalformed
	}
	arrow := index(b, " -> ")
	if arrow < 0 {
		return ErrMalformed
	}
	v.Sender = amavisSender(b[:arrow])
	rest := b[arrow+len(" -> "):]
	end := index(rest, ", ")
	if end < 0 {
		end = len(rest)
	}
	v.Recipients = rest[:end:end]
	amavisFields(rest[end:], v)
	return nil
}

// amavisSender takes the last "<…>" of "origin [ip]:port [ip] <s>".
func amavisSender(b []byte) []byte {
	start := 0
	if i := bytes.LastIndex(b, []byte(" <")); i >= 0 {
		start = i + 1
	}
	return trimAngle(b[start:])
}

func cutPrefix(b []byte, p string) ([]byte, bool) {
	if hasPrefix(b, p) {
		return b[len(p):], true
	}
	return b, false
}

// amavisFields reads ", Key: value" items and the trailing ", N ms".
func amavisFields(b []byte, v *Verdict) {
	for len(b) > 0 {
		b, _ = cutPrefix(b, ", ")
		item := b
		if i := index(b, ", "); i >= 0 {
			item, b = b[:i], b[i:]
		} else {
			b = nil
		}
		k, val, ok := bytes.Cut(item, []byte(": "))
		if !ok {
			if ms, ok := bytes.CutSuffix(item, []byte(" ms")); ok {
				if n, ok := logline.Atoi(ms); ok {
					v.Elapsed = time.Duration(n) * time.Millisecond
				}
			}
			continue
		}
		switch string(k) {
		case "Queue-ID":
			v.QueueID = val
		case "queued_as":
			v.QueuedAs = firstWord(val)
		case "Message-ID":
			v.MessageID = trimAngle(val)
		case "Hits":
			v.Score = firstWord(val)
		case "size":
			v.Size, _ = logline.Atoi(val)
		}
	}
}

func firstWord(b []byte) []byte {
	w, _ := word(b, " ")
	return w
}
