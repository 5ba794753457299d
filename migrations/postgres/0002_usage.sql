-- Usage: counters and gauges per mailbox and UTC hour (unix seconds), delivery
-- latency histograms per hour, and source checkpoints committed with them.
CREATE TABLE usage_counters (
    mailbox TEXT NOT NULL,
    metric  TEXT NOT NULL,
    hour    BIGINT NOT NULL,
    value   BIGINT NOT NULL,
    PRIMARY KEY (mailbox, metric, hour)
);
CREATE INDEX usage_counters_hour ON usage_counters USING brin (hour);

CREATE TABLE usage_gauges (
    mailbox     TEXT NOT NULL,
    folder      TEXT NOT NULL,
    metric      TEXT NOT NULL,
    hour        BIGINT NOT NULL,
    last        BIGINT NOT NULL,
    max         BIGINT NOT NULL,
    observed_at BIGINT NOT NULL,
    PRIMARY KEY (mailbox, folder, metric, hour)
);
CREATE INDEX usage_gauges_hour ON usage_gauges USING brin (hour);

CREATE TABLE latency_buckets (
    hour      BIGINT NOT NULL,
    direction TEXT NOT NULL,
    domain    TEXT NOT NULL,
    bucket    INTEGER NOT NULL,
    count     BIGINT NOT NULL,
    PRIMARY KEY (hour, direction, domain, bucket)
);

CREATE TABLE checkpoints (
    source     TEXT PRIMARY KEY,
    seq        BIGINT NOT NULL,
    offset_bytes BIGINT NOT NULL DEFAULT 0,
    position   BYTEA,
    state      BYTEA,
    updated_at TIMESTAMPTZ NOT NULL
);
