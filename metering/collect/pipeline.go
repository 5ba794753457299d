package collect

import (
	"log/slog"
	"os"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// pipeline turns lines into recorded usage: it detects the format from the
// first lines when it is not configured, then feeds a processor whose sink
// is the recorder.
type pipeline struct {
	opts     ProcessorOptions
	path     string // for the year reference
	now      func() time.Time
	log      *slog.Logger
	onFormat func(string)

	format string
	proc   metering.LineProcessor
	det    detector
	rec    *metering.Recorder
}

func (p *pipeline) newProcessor() error {
	opts := p.opts
	if opts.YearRef.IsZero() {
		opts.YearRef = p.now()
		if fi, err := os.Stat(p.path); err == nil {
			opts.YearRef = fi.ModTime()
		}
	}
	proc, err := NewProcessor(p.format, opts)
	if err != nil {
		return err
	}
	p.proc = proc
	if p.onFormat != nil {
		p.onFormat(p.format)
	}
	return nil
}

// feed passes a line to the processor, detecting the format first.
func (p *pipeline) feed(line []byte) error {
	if p.proc != nil {
		p.proc.ProcessLine(line, p.rec)
		return nil
	}
	format, buffered, err := p.det.add(line)
	if err != nil || format == "" {
		return err
	}
	p.format = format
	if err := p.newProcessor(); err != nil {
		return err
	}
	p.log.Info("log format detected", "format", format, "path", p.path)
	for _, l := range buffered {
		p.proc.ProcessLine(l, p.rec)
	}
	p.det = detector{}
	return nil
}

// undecided reports whether lines are buffered waiting for the format.
func (p *pipeline) undecided() bool { return p.proc == nil && len(p.det.lines) > 0 }
