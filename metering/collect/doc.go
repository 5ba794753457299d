// Package collect runs metering sources: it tails an MTA log (or reads
// rotated and compressed files for a backfill), detects its format, feeds
// the lines to the Postfix or Exim processor and commits the usage they
// produce together with the source's checkpoint, so every line is counted
// exactly once across restarts, rotations and database outages.
//
// It talks to storage only through metering.Committer: a local store or a
// remote ingest API.
package collect
