// Package logline parses the envelope of a mail log line: the timestamp,
// host, program tag and process id that syslog, rsyslog, journald, Postfix
// postlogd or daemontools put in front of what the mail daemon wrote.
//
// Parse recognizes BSD syslog stamps (day space-padded, zero-padded or not
// padded), RFC 3339 stamps with or without fraction and zone, a
// "<facility.level>" priority tag, files without a host field (Dovecot
// log_path), tai64n stamps, and journal-style lines with the host first and
// no timestamp. It never panics and, through a Parser, allocates nothing in
// the steady state.
//
// Dovecot's tags that carry a user ("deliver(u@x):", "lmtp(u)<session>:")
// yield Program "deliver" or "lmtp" and keep the whole tag in Message, so
// the Dovecot parser still sees the user.
//
// BSD stamps carry no year and no zone; YearInferrer resolves them against a
// reference time (a file's modification time) and a location, following
// Dec→Jan rollovers line by line.
package logline
