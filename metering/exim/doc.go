// Package exim reads Exim's main log and meters what it records.
//
// ParseLine (and Parser, its allocation-free form) turns one mainlog line
// into a Record: the prefix Exim writes (date, time, optional milliseconds,
// zone and pid, then the message id when the line concerns a message),
// the line's kind (arrival "<=", delivery "=>", "->", "**", "==",
// "Completed", SMTP-time rejects, authenticator failures, …) and the
// fields it carries (S=, A=, H=, C=, QT=, "for …" and the rest), as byte
// slices into the line. Lines that Exim wrote through syslog or journald
// are unwrapped first with metering/logline. Parsing is byte scanning; it
// never panics, whatever the input.
//
// Processor is the metering.LineProcessor for Exim: it follows each
// message by its id from arrival to "Completed" and emits usage events and
// delivery latency samples exactly as docs/metering-rules.md defines them.
// Its open messages can be marshalled into a source checkpoint and
// restored, so a restarted collector emits the same events as one that
// never stopped.
package exim
