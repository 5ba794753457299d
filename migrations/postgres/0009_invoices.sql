-- Invoices: one per customer and month ("acme-2026-11"). A draft is
-- recomputed by every run of its period; finalizing numbers it from its
-- year's sequence in the same transaction (no gaps, no reuse) and it never
-- changes again. document is the computed invoice (lines, totals and SLA
-- evidence) as JSON; the totals are columns too for listing.
CREATE TABLE invoices (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    period_from  TIMESTAMPTZ NOT NULL,
    period_to    TIMESTAMPTZ NOT NULL,
    status       TEXT NOT NULL,
    number       TEXT UNIQUE,
    currency     TEXT NOT NULL,
    total        BIGINT NOT NULL,
    document     TEXT NOT NULL,
    computed_at  TIMESTAMPTZ NOT NULL,
    finalized_at TIMESTAMPTZ
);
CREATE INDEX invoices_customer ON invoices (customer_id, period_from);

CREATE TABLE invoice_sequences (
    name TEXT PRIMARY KEY,
    last BIGINT NOT NULL
);
