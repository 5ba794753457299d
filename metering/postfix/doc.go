// Package postfix reads Postfix mail logs: ParseLine turns the message part
// of one line (what follows "postfix/<daemon>[pid]: ") into a Record, and
// Processor, a metering.LineProcessor, correlates the records of a whole
// maillog by queue id into usage events and latency samples, following
// docs/metering-rules.md. Content-filter lines found in the same log
// (amavis, rspamd, spamd, clamav-milter) are handed to package
// contentfilter.
//
// Parsing is byte scanning: a Record's byte fields alias the parsed line
// and are valid only until the caller reuses it.
package postfix
