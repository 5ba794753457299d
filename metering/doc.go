// Package metering is the domain of measurement: mailbox identity, the
// metrics mailmeter records, usage events, the recorder that aggregates them
// per mailbox and hour, latency histograms and source checkpoints.
//
// It imports no HTTP, SQL or configuration package. Sources (log parsers,
// Maildir scanners, probes) live in subpackages and emit events into a Sink;
// the store adapter implements the Store interfaces declared here.
package metering
