// Package quota is the domain of mailbox limits: per-mailbox Limits (soft
// and hard storage and message limits, outbound bytes and recipients per
// day), the status a usage has against them (ok, warning, over), and View,
// an in-memory picture of every mailbox's current usage that answers quota
// questions in microseconds. It also builds the usage reports the API serves
// (series, breakdowns, latency), since they join the directory and metering.
// It imports no HTTP or database package; the store package implements Store.
package quota
