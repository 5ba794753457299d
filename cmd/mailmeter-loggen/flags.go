package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/mailmeter/mailmeter/internal/loggen"
)

var errHelp = errors.New("help requested")

// options are the parsed command line.
type options struct {
	cfg    loggen.Config
	format string
	out    string
	truth  string
	follow float64 // lines per second, 0 = write as fast as possible
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	o := options{cfg: loggen.DefaultConfig()}
	c := &o.cfg
	fs := flag.NewFlagSet("mailmeter-loggen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.format, "format", "postfix", "log format: postfix or exim")
	lines := fs.Int64("lines", 0, "stop after this many lines")
	messages := fs.Int("messages", 0, "stop after this many sessions (default 10000 when no other limit is set)")
	fs.DurationVar(&c.Duration, "duration", 0, "stop after this much simulated time")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed; the same seed writes the same bytes")
	start := fs.String("start", "", "time of the first line, RFC 3339 (default "+c.Start.Format(time.RFC3339)+", now with -follow)")
	fs.StringVar(&o.out, "out", "-", "log file to write, - for standard output")
	fs.StringVar(&o.truth, "truth", "", "write the ground truth as JSON to this file")
	fs.Float64Var(&o.follow, "follow", 0, "append to -out at this many lines per second until SIGINT or SIGTERM")
	stamps := fs.String("timestamps", "bsd", "Postfix stamps: bsd, rfc3339 or maillog (maillog_file)")
	fs.Float64Var(&c.Rate, "rate", c.Rate, "sessions per simulated second")
	fs.IntVar(&c.Mailboxes, "mailboxes", c.Mailboxes, "local mailboxes")
	fs.IntVar(&c.Domains, "domains", c.Domains, "local domains")
	fs.StringVar(&c.Host, "host", c.Host, "mail server host name")
	fs.Float64Var(&c.LongIDShare, "long-ids", c.LongIDShare, "Postfix: share of messages with long queue ids (0..1)")
	fs.BoolVar(&c.EximPID, "exim-pid", c.EximPID, "Exim: log [pid]")
	fs.BoolVar(&c.EximMillis, "exim-ms", c.EximMillis, "Exim: millisecond stamps")
	fs.BoolVar(&c.EximRecipients, "exim-for", c.EximRecipients, "Exim: list recipients (for a b c) on arrivals")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, errHelp
		}
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return o, o.finish(*lines, *messages, *start, *stamps)
}

// finish checks and applies the flags that need more than a Var.
func (o *options) finish(lines int64, messages int, start, stamps string) error {
	c := &o.cfg
	if o.format != "postfix" && o.format != "exim" {
		return fmt.Errorf("-format %q: want postfix or exim", o.format)
	}
	switch stamps {
	case "bsd":
		c.Timestamps = loggen.BSDSyslog
	case "rfc3339":
		c.Timestamps = loggen.RFC3339Micro
	case "maillog":
		c.Timestamps = loggen.MaillogFile
	default:
		return fmt.Errorf("-timestamps %q: want bsd, rfc3339 or maillog", stamps)
	}
	if lines < 0 || messages < 0 || o.follow < 0 {
		return errors.New("-lines, -messages and -follow must not be negative")
	}
	if o.follow > 0 && o.out == "-" {
		return errors.New("-follow needs -out FILE")
	}
	c.Lines, c.Messages = lines, messages
	if o.follow > 0 {
		c.Start = time.Now().UTC()
		c.Rate = max(o.follow/11, 0.01) // about 11 lines a session: stamps keep pace with the clock
		c.FlushLines = max(1, int64(o.follow/10))
		c.Steady = true
		if lines == 0 && messages == 0 && c.Duration == 0 {
			c.Duration = 100 * 365 * 24 * time.Hour
		}
	} else if lines == 0 && messages == 0 && c.Duration == 0 {
		c.Messages = loggen.DefaultConfig().Messages
	}
	if start != "" {
		t, err := time.Parse(time.RFC3339, start)
		if err != nil {
			return fmt.Errorf("-start: %w", err)
		}
		c.Start = t
	}
	return nil
}
