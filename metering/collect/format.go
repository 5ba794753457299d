package collect

import (
	"fmt"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/exim"
	"github.com/mailmeter/mailmeter/metering/logline"
	"github.com/mailmeter/mailmeter/metering/postfix"
)

// Log formats.
const (
	FormatAuto    = "auto"
	FormatPostfix = "postfix"
	FormatExim    = "exim"
)

// ProcessorOptions are the settings shared by the log processors.
type ProcessorOptions struct {
	Location  *time.Location // zone of stamps without one; nil = Local
	YearRef   time.Time      // anchors year-less stamps (file mtime)
	Delimiter string         // recipient delimiter; "" disables stripping
	MaxAge    time.Duration  // evict messages idle longer; 0 = default
	IsLocal   func(domain string) bool
	Trusted   metering.TrustedSenders // submitters metered for their envelope sender
	Bounds    metering.Bounds         // plausibility bounds; zero = the defaults
	// Skip are mailboxes (normalized) metered nothing: probe accounts.
	Skip []string
}

// NewProcessor returns the LineProcessor for a format.
func NewProcessor(format string, o ProcessorOptions) (metering.LineProcessor, error) {
	loc := o.Location
	if loc == nil {
		loc = time.Local
	}
	opts := metering.LogOptions{Location: loc, YearRef: o.YearRef, Delimiter: o.Delimiter, NoDelimiter: o.Delimiter == "",
		MaxAge: o.MaxAge, IsLocal: o.IsLocal, Trusted: o.Trusted, Bounds: o.Bounds}
	switch format {
	case FormatPostfix:
		return postfix.NewProcessor(opts)
	case FormatExim:
		return exim.NewProcessor(opts)
	}
	return nil, metering.FieldError("format", "unknown log format %q: want postfix or exim", format)
}

// Detect guesses the format of a log from a line: "postfix" or "exim", or
// "" when the line tells neither (keep looking at the next one).
func Detect(line []byte) string {
	if isEximStamp(line) {
		return FormatExim
	}
	env, err := logline.Parse(line)
	if err != nil {
		return ""
	}
	prog := env.Program
	switch {
	case strings.HasPrefix(prog, "postfix") || strings.Contains(prog, "/smtpd") ||
		strings.Contains(prog, "/qmgr") || strings.Contains(prog, "/cleanup"):
		return FormatPostfix
	case strings.HasPrefix(prog, "exim"):
		return FormatExim
	}
	return ""
}

// isEximStamp reports whether a line starts like an Exim mainlog line:
// "YYYY-MM-DD HH:MM:SS".
func isEximStamp(b []byte) bool {
	const shape = "dddd-dd-dd dd:dd:dd"
	if len(b) < len(shape)+1 {
		return false
	}
	for i := 0; i < len(shape); i++ {
		c := b[i]
		if shape[i] == 'd' {
			if c < '0' || c > '9' {
				return false
			}
		} else if c != shape[i] {
			return false
		}
	}
	return b[len(shape)] == ' ' || b[len(shape)] == '.'
}

// detector buffers the first lines of a log, with their offsets, until one
// reveals its format.
type detector struct {
	lines   [][]byte
	offsets []int64
	bytes   int
}

// maxDetect bounds how much a detector buffers before giving up.
const maxDetect = 1000

func (d *detector) add(line []byte, at int64) (format string, buffered [][]byte, err error) {
	d.lines = append(d.lines, append([]byte(nil), line...))
	d.offsets = append(d.offsets, at)
	d.bytes += len(line)
	if f := Detect(line); f != "" {
		return f, d.lines, nil
	}
	if len(d.lines) >= maxDetect {
		return "", nil, fmt.Errorf("cannot tell the log format from the first %d lines; set format: postfix or exim", maxDetect)
	}
	return "", nil, nil
}
