// Package ingest is the protocol of POST /v1/ingest and GET
// /v1/ingest/sources/{source} (see openapi/openapi.yaml), in one place for
// both ends, so they cannot drift apart:
//
//   - Batch and its entries are the JSON form of a pushed batch; FromBatch
//     encodes a metering.Batch, Decode reads one back as a stream, straight
//     into a metering.IngestInput.
//   - Ack and Checkpoint are the API's answers.
//   - Client is the push side: a metering.Committer that ships a
//     collector's batches to the mailmeter API instead of writing to a
//     database, so a mail host can run collectors with no database access.
//     Commit returns only once the API has acknowledged the batch (applied,
//     or a duplicate of an applied one), so a collector keeps its checkpoint
//     only then; network errors and 5xx answers are retried with exponential
//     backoff until the context ends.
package ingest
