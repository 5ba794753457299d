// Package exim reads Exim's main log and meters what it records.
//
// ParseLine (and Parser, its allocation-free form) turns one mainlog line
// into a Record: the prefix Exim writes (date, time, optional milliseconds,
// zone and pid, then the message id when the line concerns a message),
// the line's Kind (arrival "<=", deliveries "=>", "->", ">>", "*>",
// failures "**", deferrals "==", "Completed", SMTP-time rejects,
// authenticator failures, connection and protocol notes, sa-exim "SA:"
// actions …) and the fields it carries (S=, A=, U=, P=, H=, I=, R=, T=, F=,
// C=, QT=, DT=, RT=, D=, id=, "for …", "from <…>"), as byte slices into the
// line. Lines Exim wrote through syslog or journald are unwrapped with
// metering/logline. Parsing is byte scanning; it never panics, whatever the
// input, and lines it does not recognize fail with an Error naming why.
//
// Processor is the metering.LineProcessor for Exim. It follows each
// message by its id from "<=" to "Completed" and emits usage events and
// delivery latency samples at the line that causes them, exactly as
// docs/metering-rules.md defines them, including its Exim refinements:
//
//   - "<=" gives the size (S=) and the authenticated login (A=name:id),
//     out_messages and, when "+received_recipients" logs "for a b c",
//     out_recipients; otherwise each distinct envelope recipient counts at
//     its first "=>", "->", "**" or "==".
//   - A delivery without H= is final and local (in_messages, in_bytes,
//     an inbound latency sample); one to a non-loopback H= is remote
//     (out_bytes for authenticated messages, an outbound sample); one to
//     loopback is a filter hop when the reply names the re-injected id
//     ("queued as X" or Exim's "id=X"), says "discarded" or the port is a
//     filter port, a final delivery when the transport is LMTP (or
//     Options.IsLocal says the domain is local), and else a relay that
//     counts nothing.
//   - A message re-injected by a filter inherits the original's login and
//     is not counted again for out_messages or out_recipients, in either
//     order of the hop line and the re-injected "<="; what the copy did
//     before the hop line was logged counts for that login at the hop line.
//   - ">>" cutthrough deliveries, logged before their "<=", count when that
//     "<=" arrives; "*>", ":blackhole:" and autoreplies count nothing.
//   - Latency is QT= when logged, else the delivery time minus the "<="
//     time; without either there is no sample.
//
// The open messages can be marshalled into a source checkpoint and
// restored, so a restarted collector emits exactly the events of one that
// never stopped; Expire bounds memory by evicting messages idle for longer
// than Options.MaxAge.
package exim
