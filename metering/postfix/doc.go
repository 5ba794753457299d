// Package postfix reads Postfix mail logs.
//
// ParseLine turns the message part of one line (what follows
// "postfix/<daemon>[pid]: ") into a Record, one small function per line
// kind: smtpd client=, pickup, cleanup message-id, qmgr from=/expired/
// removed, deliveries of every agent, bounce notifications, rejects of
// smtpd, postscreen, cleanup and milters, session events and warnings.
// Unknown lines come back with an Error naming the reason. Parsing is byte
// scanning and allocates nothing; a Record's byte fields alias the line.
//
// Processor, a metering.LineProcessor, correlates a whole maillog as
// docs/metering-rules.md defines: open messages are keyed by host and queue
// id and closed by "removed"; re-logged qmgr lines are ignored; filter hops
// link the re-injected queue id ("queued as", orig_queue_id=, amavis
// queued_as:) so it inherits the authenticated sender without being counted
// again. Every event and latency sample is emitted at the line that causes
// it, so the open state (MarshalState, JSON) only holds what later lines
// need, and Expire can evict idle messages without losing anything.
// Content-filter lines found in the same log (amavis, rspamd, spamd,
// clamav-milter) are parsed with package contentfilter.
package postfix
