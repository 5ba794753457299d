-- Dead letters: usage records the database refused (a sum past the int64
-- range, a constraint, an encoding), kept with the error in the transaction
-- that committed the rest of their batch, so a source never stops on data.
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

-- SQLite turns an integer sum past the int64 range into a float and stores
-- that in a BIGINT column: a stored total plus a delta would silently stop
-- being a count. These triggers refuse such a value instead (a constraint
-- error, SQLITE_CONSTRAINT_TRIGGER), as PostgreSQL refuses it (22003
-- numeric_value_out_of_range); the refused record becomes a dead letter.
CREATE TRIGGER usage_hours_int64 BEFORE UPDATE ON usage_hours
WHEN typeof(NEW.in_messages) <> 'integer' OR typeof(NEW.in_bytes) <> 'integer'
  OR typeof(NEW.out_messages) <> 'integer' OR typeof(NEW.out_recipients) <> 'integer'
  OR typeof(NEW.out_bytes) <> 'integer' OR typeof(NEW.bounced) <> 'integer'
  OR typeof(NEW.deferred) <> 'integer' OR typeof(NEW.rejected_in) <> 'integer'
  OR typeof(NEW.rejected_out) <> 'integer' OR typeof(NEW.spam_blocked) <> 'integer'
  OR typeof(NEW.virus_blocked) <> 'integer'
BEGIN
  SELECT RAISE(ABORT, 'usage_hours: a counter would pass the int64 range');
END;

CREATE TRIGGER latency_buckets_int64 BEFORE UPDATE ON latency_buckets
WHEN typeof(NEW.count) <> 'integer'
BEGIN
  SELECT RAISE(ABORT, 'latency_buckets: a count would pass the int64 range');
END;

CREATE TRIGGER probe_hours_int64 BEFORE UPDATE ON probe_hours
WHEN typeof(NEW.attempts) <> 'integer' OR typeof(NEW.successes) <> 'integer'
BEGIN
  SELECT RAISE(ABORT, 'probe_hours: a count would pass the int64 range');
END;
