package logline

import (
	"strings"
	"time"
)

// Envelope is what a line carries before the daemon's own message.
type Envelope struct {
	// Time is the line's timestamp. Without a year (BSD syslog) it is in
	// year 0; without a zone it holds the wall clock in time.UTC. Use a
	// YearInferrer to resolve both. Zero when the line has no timestamp.
	Time    time.Time
	HasYear bool // the timestamp names its year
	HasZone bool // the timestamp names its zone (Time is then exact)
	Host    string
	// Program is the full syslog tag without the pid: "postfix/submission/smtpd".
	Program string
	// Daemon is the last path component of Program: "smtpd".
	Daemon string
	// Instance is Program without its last component: "postfix/submission".
	Instance string
	PID      int    // 0 when the tag carries no pid
	Message  []byte // the rest of the line; aliases the input
}

// Parse splits line into its envelope and message. It returns ErrEmpty,
// ErrTimestamp or ErrTag when no envelope is recognized. Host and Program
// are fresh strings; a Parser reuses them across lines instead.
func Parse(line []byte) (Envelope, error) {
	var p Parser
	return p.Parse(line)
}

// Parser parses envelopes like Parse but interns host and program names,
// so a long run of lines from a few hosts and daemons allocates nothing.
// The zero value is ready to use. A Parser is not safe for concurrent use.
type Parser struct {
	names  map[string]string
	recent [8]string // the names seen last, checked before the map
	next   int       // where the next new name goes in recent
	hit    int       // where the last name was found in recent
}

// maxInterned bounds the intern table; names past it are allocated per line.
const maxInterned = 4096

// Parse is the package-level Parse with interning.
func (p *Parser) Parse(line []byte) (Envelope, error) {
	var e Envelope
	if len(line) == 0 {
		return e, ErrEmpty
	}
	rest, err := parseStamp(line, &e)
	if err != nil {
		return e, err
	}
	return e, p.parseHeader(rest, &e)
}

// parseHeader reads "[<prio>] [host] tag[pid]: message" after the stamp.
func (p *Parser) parseHeader(b []byte, e *Envelope) error {
	b = skipSpaces(b)
	if len(b) > 1 && b[0] == '<' {
		if i := indexByte(b, '>'); i > 0 && !hasSpace(b[:i]) {
			b = skipSpaces(b[i+1:])
		}
	}
	if p.syslogTag(b, e) {
		return nil
	}
	if e.Time.IsZero() {
		return ErrTimestamp
	}
	if len(b) == 0 {
		return ErrTag
	}
	p.dovecotTag(b, e)
	return nil
}

// syslogTag reads "tag[pid]: " or "host tag[pid]: " (a line without a
// timestamp must name its host: journal style).
func (p *Parser) syslogTag(b []byte, e *Envelope) bool {
	tok1, rest1 := token(b)
	if prog, pid, ok := splitTag(tok1); ok && !e.Time.IsZero() {
		p.setProgram(e, prog, pid)
		e.Message = skipOneSpace(rest1)
		return true
	}
	if !isHost(tok1) {
		return false
	}
	tok2, rest2 := token(skipSpaces(rest1))
	prog, pid, ok := splitTag(tok2)
	if !ok {
		return false
	}
	e.Host = p.intern(tok1)
	p.setProgram(e, prog, pid)
	e.Message = skipOneSpace(rest2)
	return true
}

// dovecotTag handles tags that carry the user, "deliver(u@x): …" or
// "lmtp(u)<sess>: …", with or without a host before them: Program is the
// name before '(' and Message keeps the whole tag. Any other text after
// the stamp becomes the Message as is.
func (p *Parser) dovecotTag(b []byte, e *Envelope) {
	e.Message = b
	tok1, rest1 := token(b)
	if prog, ok := userTag(tok1); ok {
		e.Program = p.intern(prog)
		e.Daemon = e.Program
		return
	}
	if !isHost(tok1) {
		return
	}
	rest1 = skipSpaces(rest1)
	tok2, _ := token(rest1)
	if prog, ok := userTag(tok2); ok {
		e.Host = p.intern(tok1)
		e.Program = p.intern(prog)
		e.Daemon = e.Program
		e.Message = rest1
	}
}

func (p *Parser) setProgram(e *Envelope, prog []byte, pid int) {
	e.Program = p.intern(prog)
	e.PID = pid
	if i := strings.LastIndexByte(e.Program, '/'); i >= 0 {
		e.Daemon, e.Instance = e.Program[i+1:], e.Program[:i]
	} else {
		e.Daemon = e.Program
	}
}

func (p *Parser) intern(b []byte) string {
	for i := range len(p.recent) {
		j := (p.hit + i) % len(p.recent)
		if s := p.recent[j]; len(s) == len(b) && s == string(b) {
			p.hit = j
			return s
		}
	}
	s := p.lookup(b)
	p.recent[p.next] = s
	p.hit, p.next = p.next, (p.next+1)%len(p.recent)
	return s
}

func (p *Parser) lookup(b []byte) string {
	if s, ok := p.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if p.names == nil {
		p.names = make(map[string]string)
	}
	if len(p.names) < maxInterned {
		p.names[s] = s
	}
	return s
}
