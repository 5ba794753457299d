package contentfilter

import (
	"bytes"
	"time"

	"github.com/mailmeter/mailmeter/metering/logline"
)

// ParseSpamd parses "spamd: result: Y 12 - TESTS scantime=2.9,size=55475,user=u,…,mid=<id>,…".
// spamd only scores; it never blocks. Other spamd lines return ErrNotVerdict.
func ParseSpamd(msg []byte) (Verdict, error) {
	b, ok := cutPrefix(msg, "spamd: result: ")
	if !ok {
		return Verdict{}, ErrNotVerdict
	}
	v := Verdict{Source: SourceSpamd}
	flag, rest := word(b, " ")
	v.Action, v.Spam = flag, string(flag) == "Y"
	rest = bytes.TrimLeft(rest, " ")
	v.Score, rest = word(rest, " ")
	// " - TESTS attrs": the attributes are the last space-separated word.
	if i := bytes.LastIndexByte(rest, ' '); i >= 0 {
		rest = rest[i+1:]
	}
	for len(rest) > 0 {
		var item []byte
		item, rest = word(rest, ",")
		if len(rest) > 0 {
			rest = rest[1:]
		}
		k, val, _ := bytes.Cut(item, []byte("="))
		switch string(k) {
		case "size":
			v.Size, _ = logline.Atoi(val)
		case "user":
			v.User = val
		case "mid":
			v.MessageID = trimAngle(val)
		case "scantime":
			v.Elapsed = seconds(val)
		}
	}
	if len(v.Action) == 0 {
		return Verdict{}, ErrMalformed
	}
	return v, nil
}

// seconds parses "2.9" into a duration (0 when malformed).
func seconds(b []byte) time.Duration {
	whole, frac, scale := int64(0), int64(0), int64(1)
	dot := false
	for _, c := range b {
		switch {
		case c == '.' && !dot:
			dot = true
		case c < '0' || c > '9' || whole > 1<<31:
			return 0
		case dot:
			if scale < 1e9 {
				frac, scale = frac*10+int64(c-'0'), scale*10
			}
		default:
			whole = whole*10 + int64(c-'0')
		}
	}
	return time.Duration(whole)*time.Second + time.Duration(frac*int64(time.Second)/scale)
}

// ParseClamAV parses clamav-milter's
// "Message from <s> to <r>[, <r2>] infected by NAME". The milter's verdict
// is acted on by Postfix (milter-reject), so Blocked stays false here.
func ParseClamAV(msg []byte) (Verdict, error) {
	b, ok := cutPrefix(msg, "Message from ")
	if !ok {
		return Verdict{}, ErrNotVerdict
	}
	to := index(b, " to ")
	inf := bytes.LastIndex(b, []byte(" infected by "))
	if to < 0 || inf < to+len(" to ") {
		return Verdict{}, ErrNotVerdict
	}
	return Verdict{
		Source:     SourceClamAV,
		Action:     b[inf+1 : inf+len(" infected") : inf+len(" infected")],
		Virus:      true,
		Sender:     trimAngle(b[:to]),
		Recipients: b[to+len(" to ") : inf : inf],
		Detail:     b[inf+len(" infected by "):],
	}, nil
}

// ParseRspamd parses rspamd's result line (default log template):
//
//	… id: <mid>, qid: <QID>, ip: 1.2.3.4, user: u, from: <s>, (default: T (reject): [12.3/15.0] [SYM,…]), len: 1234, time: …, rcpts: <a>,<b>
//
// Blocked is set for the reject action. Other rspamd lines return ErrNotVerdict.
func ParseRspamd(msg []byte) (Verdict, error) {
	d := index(msg, "(default: ")
	if d < 0 {
		return Verdict{}, ErrNotVerdict
	}
	v := Verdict{Source: SourceRspamd}
	b := msg[d+len("(default: "):]
	isSpam, rest := word(b, " ")
	v.Spam = string(isSpam) == "T"
	rest = bytes.TrimLeft(rest, " ")
	action, rest, ok := paren(rest)
	if !ok {
		return Verdict{}, ErrMalformed
	}
	v.Action, v.Blocked = action, string(action) == "reject"
	if rest, ok := cutPrefix(rest, ": ["); ok {
		v.Score, _ = word(rest, "]/")
	}
	head := msg[:d]
	v.MessageID = rspamdField(head, "id: ")
	v.QueueID = rspamdField(head, "qid: ")
	v.User = rspamdField(head, "user: ")
	v.Sender = rspamdField(head, "from: ")
	v.Size, _ = logline.Atoi(rspamdField(msg[d:], "len: "))
	v.Recipients = rspamdField(msg[d:], "rcpts: ")
	return v, nil
}

// rspamdField returns the value after key up to ", " (brackets removed).
func rspamdField(b []byte, key string) []byte {
	i := index(b, key)
	for i > 0 && b[i-1] != ' ' && b[i-1] != ';' { // "qid: " must not match inside "mid: "
		j := index(b[i+1:], key)
		if j < 0 {
			return nil
		}
		i += 1 + j
	}
	if i < 0 {
		return nil
	}
	val := b[i+len(key):]
	if e := index(val, ", "); e >= 0 {
		val = val[:e]
	}
	val = bytes.TrimSuffix(val, []byte(","))
	if len(val) > 0 && val[0] == '<' && bytes.Count(val, []byte("<")) == 1 {
		val = trimAngle(val)
	}
	return val
}
