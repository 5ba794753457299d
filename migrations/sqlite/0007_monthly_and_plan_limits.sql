-- Outbound limits per UTC calendar month beside the daily ones, and limits
-- per plan: a mailbox without limits of its own has its customer's plan's.
ALTER TABLE mailbox_limits ADD COLUMN out_bytes_per_month BIGINT NOT NULL DEFAULT 0;
ALTER TABLE mailbox_limits ADD COLUMN out_recipients_per_month BIGINT NOT NULL DEFAULT 0;

CREATE TABLE plan_limits (
    plan                     TEXT PRIMARY KEY,
    storage_soft             BIGINT NOT NULL DEFAULT 0,
    storage_hard             BIGINT NOT NULL DEFAULT 0,
    messages_soft            BIGINT NOT NULL DEFAULT 0,
    messages_hard            BIGINT NOT NULL DEFAULT 0,
    out_bytes_per_day        BIGINT NOT NULL DEFAULT 0,
    out_recipients_per_day   BIGINT NOT NULL DEFAULT 0,
    out_bytes_per_month      BIGINT NOT NULL DEFAULT 0,
    out_recipients_per_month BIGINT NOT NULL DEFAULT 0,
    grace_seconds            BIGINT NOT NULL DEFAULT 0,
    updated_at               TIMESTAMP NOT NULL
);
