// Package collect runs metering sources: it tails an MTA log (or reads
// rotated and compressed files for a backfill), detects its format, feeds
// the lines to the Postfix or Exim processor and commits the usage they
// produce together with the source's checkpoint, so every line is counted
// exactly once across restarts, rotations and database outages.
//
// The open messages of a log belong to its stream (host + log name, see
// StreamName), not to one file: backfills and live collectors of the same
// log hand them on to one another through the stream's checkpoint, so a
// message whose lines straddle a rotation is metered whole however the log
// is cut into files and runs.
//
// It talks to storage only through metering.Committer: a local store or a
// remote ingest API.
package collect
