// Package ingestclient is the push side of POST /v1/ingest: a
// metering.Committer that ships a collector's batches to the mailmeter API
// instead of writing to a database, so a mail host can run collectors with
// no database access. Commit returns only once the API has acknowledged the
// batch (applied, or a duplicate of an applied one), so a collector keeps its
// checkpoint only then; network errors and 5xx answers are retried with
// exponential backoff until the context ends.
package ingestclient
