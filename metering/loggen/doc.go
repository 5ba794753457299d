// Package loggen generates realistic, deterministic mail server logs with
// exact ground truth, for testing and benchmarking the log parsers.
//
// One seeded simulation of a busy mail host (inbound mail to local
// mailboxes, authenticated submissions to remote and local recipients,
// deferrals, bounces, expiry, content-filter re-injection through amavis,
// spam and virus blocks, SMTP-time rejects, bounce notifications and plenty
// of noise) is rendered either as a Postfix syslog maillog (Postfix) or as an
// Exim mainlog (Exim). Messages interleave over time, lines are written in
// time order, and memory stays constant however long the run: only a bounded
// set of messages is in flight at once.
//
// Both functions return a Truth: per mailbox, the value of every counter
// metric that the written lines cause according to docs/metering-rules.md.
// Truth is accumulated line by line as lines are written, so messages cut
// off by the end of the run count exactly what their written lines say.
//
// The same Config and seed always produce the same bytes.
package loggen
