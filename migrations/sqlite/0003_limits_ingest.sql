-- Quota limits per mailbox (0 = no limit) and the ranges of pushed ingest
-- batches, the idempotency keys of POST /v1/ingest.
CREATE TABLE mailbox_limits (
    mailbox                TEXT PRIMARY KEY,
    storage_soft           BIGINT NOT NULL DEFAULT 0,
    storage_hard           BIGINT NOT NULL DEFAULT 0,
    messages_soft          BIGINT NOT NULL DEFAULT 0,
    messages_hard          BIGINT NOT NULL DEFAULT 0,
    out_bytes_per_day      BIGINT NOT NULL DEFAULT 0,
    out_recipients_per_day BIGINT NOT NULL DEFAULT 0,
    grace_seconds          BIGINT NOT NULL DEFAULT 0,
    updated_at             TIMESTAMP NOT NULL
);

-- One row per applied batch of a source: [from_offset, to_offset) as seq.
-- Old rows are pruned; a replay older than the kept window is refused.
CREATE TABLE ingest_batches (
    source      TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    from_offset BIGINT NOT NULL,
    to_offset   BIGINT NOT NULL,
    applied_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (source, seq)
);
CREATE INDEX ingest_batches_range ON ingest_batches (source, from_offset, to_offset);
