-- Dead letters: usage records the database refused (a sum past the bigint
-- range, 22003; a constraint; an encoding), kept with the error in the
-- transaction that committed the rest of their batch, so a source never
-- stops on data. record is the refused record as JSON; replayed_at is set,
-- once, when `mailmeter deadletter replay` applied it.
CREATE TABLE deadletters (
    id          BIGSERIAL PRIMARY KEY,
    source      TEXT NOT NULL,
    record      TEXT NOT NULL,
    error       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    replayed_at TIMESTAMPTZ
);
CREATE INDEX deadletters_pending ON deadletters (id) WHERE replayed_at IS NULL;
