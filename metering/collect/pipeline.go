package collect

import (
	"log/slog"
	"os"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// pipeline turns lines into recorded usage: it detects the format from the
// first lines when it is not configured, then feeds a processor whose sink
// is the recorder. Anomalies (implausible values, sums past int64) are
// counted and logged with the file, offset and line that carried them;
// records the database refused are counted as dead letters.
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
	sink   lineSink

	at          int64  // offset in the source of the line being processed
	line        []byte // the line being processed
	anomalies   map[string]int64
	deadLetters int64
}

// newPipeline returns a pipeline recording into a new Recorder over c.
func newPipeline(opts ProcessorOptions, path string, now func() time.Time, log *slog.Logger, c metering.Committer, onCommit func(metering.Batch)) *pipeline {
	p := &pipeline{opts: opts, path: path, now: now, log: log, anomalies: map[string]int64{}}
	p.recordInto(c, onCommit)
	return p
}

// recordInto makes the pipeline record into a new Recorder over c. It is
// called before the first line is processed (the processor's sink is the
// recorder).
func (p *pipeline) recordInto(c metering.Committer, onCommit func(metering.Batch)) {
	p.rec = metering.NewRecorder(c, onCommit).Skip(p.opts.Skip)
	p.sink = lineSink{p.rec, p}
	p.rec.SetHooks(metering.RecorderHooks{Anomaly: p.anomaly, DeadLetters: p.deadLettered})
}

// lineSink is the processor's sink: the recorder, hearing anomalies too.
type lineSink struct {
	*metering.Recorder
	p *pipeline
}

// Anomaly implements metering.AnomalySink.
func (s lineSink) Anomaly(a metering.Anomaly) { s.p.anomaly(a) }

// maxLoggedLine bounds the line quoted in an anomaly's warning.
const maxLoggedLine = 1024

func (p *pipeline) anomaly(a metering.Anomaly) {
	p.anomalies[a.Reason]++
	if p.line == nil { // a sum merged back after a failed commit
		p.log.Warn("value not counted", "reason", a.Reason, "anomaly", a.String(), "file", p.path)
		return
	}
	line := p.line
	if len(line) > maxLoggedLine {
		line = line[:maxLoggedLine]
	}
	p.log.Warn("implausible value not counted", "reason", a.Reason, "anomaly", a.String(),
		"file", p.path, "offset", p.at, "line", string(line))
}

func (p *pipeline) deadLettered(ds []metering.DeadLetter) {
	p.deadLetters += int64(len(ds))
	p.log.Warn("records the database refused were kept as dead letters (mailmeter deadletter list)",
		"count", len(ds), "first", ds[0].Describe(), "err", ds[0].Error)
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

// feed passes a line, found at offset at of the source, to the processor,
// detecting the format first.
func (p *pipeline) feed(line []byte, at int64) error {
	if p.proc != nil {
		p.process(line, at)
		return nil
	}
	format, buffered, err := p.det.add(line, at)
	if err != nil || format == "" {
		return err
	}
	p.format = format
	if err := p.newProcessor(); err != nil {
		return err
	}
	p.log.Info("log format detected", "format", format, "path", p.path)
	for i, l := range buffered {
		p.process(l, p.det.offsets[i])
	}
	p.det = detector{}
	return nil
}

func (p *pipeline) process(line []byte, at int64) {
	p.line, p.at = line, at
	p.proc.ProcessLine(line, p.sink)
	p.line = nil
}

// undecided reports whether lines are buffered waiting for the format.
func (p *pipeline) undecided() bool { return p.proc == nil && len(p.det.lines) > 0 }
