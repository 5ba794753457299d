-- Dead letters: usage records the database refused (a sum past the int64
-- range, a constraint, an encoding), kept with the error in the transaction
-- that committed the rest of their batch, so a source never stops on data.
-- (SQLite would turn a sum past the int64 range into a float: the store's
-- upserts make it NULL instead, which NOT NULL refuses; see store/sums.go.)
-- record is the refused record as JSON; replayed_at is set, once, when
-- `mailmeter deadletter replay` applied it.
CREATE TABLE deadletters (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    record      TEXT NOT NULL,
    error       TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    replayed_at TIMESTAMP
);
CREATE INDEX deadletters_pending ON deadletters (id) WHERE replayed_at IS NULL;
