package postfix

import (
	"errors"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/contentfilter"
	"github.com/mailmeter/mailmeter/metering/logline"
)

// Processor is a metering.LineProcessor for a Postfix maillog. It
// correlates lines by host and queue id as docs/metering-rules.md defines
// and emits each event at the line that causes it. Content-filter lines in
// the same log (amavis, rspamd, spamd, clamav-milter) are parsed with
// package contentfilter. A Processor is not safe for concurrent use.
type Processor struct {
	opts  Options
	env   logline.Parser
	years *logline.YearInferrer
	msgs  table
	names names
	rec   Record
	stats stats
}

var _ metering.LineProcessor = (*Processor)(nil)

// NewProcessor returns a Processor. It returns an Invalid error when opts
// do not validate.
func NewProcessor(opts Options) (*Processor, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.WithDefaults()
	if opts.YearRef.IsZero() {
		opts.YearRef = opts.Now()
	}
	return &Processor{
		opts:  opts,
		years: logline.NewYearInferrer(opts.YearRef, opts.Location),
		msgs:  newTable(),
		names: newNames(opts.Delimiter),
		stats: newStats(),
	}, nil
}

// ProcessLine consumes one line without its newline. Unknown and malformed
// lines are counted in Stats, never fatal.
func (p *Processor) ProcessLine(line []byte, sink metering.Sink) {
	p.stats.lines++
	env, err := p.env.Parse(line)
	if err != nil {
		p.stats.unknown(err.Error(), line)
		return
	}
	t := p.years.Resolve(&env)
	if t.IsZero() { // journal style, no stamp: the latest stamp seen, else now
		if t = p.years.Last(); t.IsZero() {
			t = p.opts.Now()
		}
	}
	if t.After(p.stats.newest) {
		p.stats.newest = t
	}
	switch {
	case isPostfix(&env):
		p.postfixLine(&env, t, line, sink)
	case isFilter(env.Daemon):
		p.filterLine(&env, t, line, sink)
	default:
		p.stats.otherProgram++ // dovecot, opendkim, … sharing the maillog
	}
}

// isPostfix recognizes "postfix/…" and "postfix-<instance>/…" tags, and
// other syslog_name values ("mx-in/smtpd") ending in a Postfix daemon.
func isPostfix(e *logline.Envelope) bool {
	if strings.HasPrefix(e.Program, "postfix") {
		return true
	}
	if e.Instance == "" {
		return false
	}
	switch e.Daemon {
	case "smtpd", "smtp", "lmtp", "local", "virtual", "pipe", "qmgr", "oqmgr", "cleanup", "pickup",
		"bounce", "error", "discard", "retry", "postscreen", "dnsblog", "tlsproxy", "anvil", "scache",
		"verify", "trivial-rewrite", "master", "postsuper", "postdrop", "sendmail", "postlogd":
		return true
	}
	return false
}

func isFilter(daemon string) bool {
	switch daemon {
	case "amavis", "amavisd", "amavisd-new", "rspamd", "spamd", "clamav-milter":
		return true
	}
	return false
}

func (p *Processor) postfixLine(e *logline.Envelope, t time.Time, line []byte, sink metering.Sink) {
	p.rec = Record{}
	if err := parseInto(e.Message, &p.rec); err != nil {
		p.rec = Record{}
		p.stats.unknown(err.Error(), line)
		return
	}
	p.stats.kinds[p.rec.Kind]++
	p.apply(&p.rec, e, t, sink)
}

func (p *Processor) filterLine(e *logline.Envelope, t time.Time, line []byte, sink metering.Sink) {
	v, err := contentfilter.ParseLine(e.Message)
	if err != nil {
		if errors.Is(err, contentfilter.ErrNotVerdict) {
			p.stats.filterOther++
			return
		}
		p.stats.unknown(err.Error(), line)
		return
	}
	p.stats.verdicts++
	p.verdict(&v, e.Host, t, sink)
}

// Expire evicts messages idle for longer than Options.MaxAge before now.
// Events are emitted at the lines that cause them, so an evicted message
// has nothing left to emit; it is only counted.
func (p *Processor) Expire(now time.Time, _ metering.Sink) {
	p.stats.evicted += p.msgs.expire(now.Add(-p.opts.MaxAge))
}

// local reports whether a recipient mailbox is in a hosted domain.
func (p *Processor) local(mailbox string) bool {
	return mailbox != "" && (p.opts.IsLocal == nil || p.opts.IsLocal(metering.DomainOf(mailbox)))
}
