-- When each mailbox was first seen at or over its hard storage limit: the
-- start of its grace, shared by every process (the first to record it
-- wins), so a restart or another API replica does not start a new grace.
CREATE TABLE quota_over (
    mailbox TEXT PRIMARY KEY,
    since   TIMESTAMPTZ NOT NULL
);
