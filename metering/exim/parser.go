package exim

import (
	"time"

	"github.com/mailmeter/mailmeter/metering/logline"
)

// Parser parses mainlog lines into a caller-owned Record without
// allocating. The zero value reads zone-less stamps as UTC. A Parser is not
// safe for concurrent use.
type Parser struct {
	loc    *time.Location
	hours  hourCache
	syslog logline.Parser
}

// NewParser returns a Parser reading stamps without "+HHMM" in loc
// (Exim logs local time); nil means UTC.
func NewParser(loc *time.Location) *Parser {
	return &Parser{loc: loc}
}

// ParseLine parses one mainlog line (without its newline), reading
// zone-less stamps as UTC. It returns an Error for lines it does not
// recognize, with the Record holding what was read. The Record's slices
// alias line.
func ParseLine(line []byte) (Record, error) {
	var p Parser
	var r Record
	err := p.Parse(line, &r)
	return r, err
}

// Parse parses line into r, overwriting all of r. See ParseLine.
func (p *Parser) Parse(line []byte, r *Record) error {
	r.reset()
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1] // CRLF files
	}
	if len(line) == 0 || (line[0] == ' ' || line[0] == '\r') && len(trimSpaces(line)) == 0 {
		return ErrEmpty
	}
	b, ok := p.prefix(line, r)
	if !ok {
		return ErrTimestamp
	}
	b = readPID(b, r)
	b = skipSpaces(b)
	if tok, rest := token(b); isMessageID(tok) {
		r.ID = tok
		b = rest
	}
	b = skipSpaces(b)
	r.Text = b
	p.classify(b, r)
	if r.Kind != KindUnknown {
		return nil
	}
	if r.ID != nil {
		return ErrMessageLine
	}
	return ErrUnrecognized
}

// prefix reads the timestamp, Exim's own or a syslog envelope's (with
// Exim's stamp inside it, if any), and returns the rest of the line.
func (p *Parser) prefix(line []byte, r *Record) ([]byte, bool) {
	b := line
	if st, rest, ok := readStamp(b); ok {
		p.setTime(st, r)
		b = rest
	} else if b, ok = p.unwrapSyslog(line, r); !ok {
		return nil, false
	}
	if b = skipSpaces(b); len(b) > 0 && b[0] == '[' {
		return b, true // "[pid]": no syslog tag, no inner stamp follows
	}
	if rest, pid, ok := stripTag(b); ok {
		// "2019-10-22 03:39:17 host exim[29786]: …": a syslog tag after the stamp.
		b = rest
		if r.PID == 0 {
			r.PID = pid
		}
	}
	if st, rest, ok := readStamp(skipSpaces(b)); ok {
		p.setTime(st, r) // Exim's own stamp inside an envelope wins
		b = rest
	}
	return b, true
}

func (p *Parser) setTime(st stamp, r *Record) {
	loc := p.loc
	if loc == nil {
		loc = time.UTC
	}
	r.Time = p.hours.at(st, loc)
	r.HasYear, r.HasZone = true, st.zoned
}

// unwrapSyslog reads a syslog or journal envelope with metering/logline;
// it is the package's only use of that package. Lines whose envelope has
// no timestamp must carry Exim's own (checked by the caller's next step).
func (p *Parser) unwrapSyslog(line []byte, r *Record) ([]byte, bool) {
	env, err := p.syslog.Parse(line)
	if err != nil {
		return nil, false
	}
	msg := skipSpaces(env.Message)
	if env.Time.IsZero() && !isStamp(msg) {
		return nil, false
	}
	r.PID = env.PID
	r.Time, r.HasYear, r.HasZone = env.Time, env.HasYear, env.HasZone
	if env.HasYear && !env.HasZone && p.loc != nil && p.loc != time.UTC {
		t := env.Time
		r.Time = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(),
			t.Nanosecond(), p.loc)
	}
	return msg, true
}

// stripTag removes "exim[pid]: " or "host exim4[pid]: " (a syslog header
// after an ISO stamp, as some collectors write it).
func stripTag(b []byte) (rest []byte, pid int, ok bool) {
	tok, after := token(b)
	if hasPrefix(b, "exim") {
		if isEximTag(tok) {
			return skipSpaces(after), tagPID(tok), true
		}
		return b, 0, false
	}
	next := skipSpaces(after)
	if !hasPrefix(next, "exim") || len(tok) == 0 || tok[len(tok)-1] == ':' {
		return b, 0, false
	}
	if tok2, after2 := token(next); isEximTag(tok2) {
		return skipSpaces(after2), tagPID(tok2), true
	}
	return b, 0, false
}

func isEximTag(tok []byte) bool {
	return len(tok) > 5 && hasPrefix(tok, "exim") && tok[len(tok)-1] == ':'
}

func tagPID(tok []byte) int {
	open := indexByte(tok, '[')
	if open < 0 || len(tok) < open+3 || tok[len(tok)-2] != ']' {
		return 0
	}
	n, _ := logline.Atoi(tok[open+1 : len(tok)-2])
	return int(n)
}

// readPID reads Exim's " [pid]" (log_selector +pid).
func readPID(b []byte, r *Record) []byte {
	b = skipSpaces(b)
	if len(b) < 3 || b[0] != '[' {
		return b
	}
	end := indexByte(b, ']')
	if end < 2 || (end+1 < len(b) && b[end+1] != ' ') {
		return b
	}
	n, ok := logline.Atoi(b[1:end])
	if !ok {
		return b
	}
	r.PID = int(n)
	return b[end+1:]
}
