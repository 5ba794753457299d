-- Quota threshold warnings. quota_alert_levels holds, per mailbox and meter
-- (storage, messages, out_bytes, out_recipients), the highest threshold
-- (percent of the limit) its usage has reached; raising it is a
-- compare-and-set, so of several processes seeing the same crossing one
-- records it. quota_events is the outbox of the webhook: one row per
-- crossing, delivered at least once with retries.
CREATE TABLE quota_alert_levels (
    mailbox    TEXT NOT NULL,
    meter      TEXT NOT NULL,
    level      INTEGER NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (mailbox, meter)
);

CREATE TABLE quota_events (
    id BIGSERIAL PRIMARY KEY,
    kind            TEXT NOT NULL,
    mailbox         TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    delivered_at    TIMESTAMPTZ,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX quota_events_pending ON quota_events (next_attempt_at) WHERE delivered_at IS NULL;
