-- Directory: customers (billing accounts), their domains and mailboxes.
CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    currency    TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    plan        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE domains (
    name        TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX domains_customer ON domains (customer_id);

-- A mailbox row is one lifetime of an address: removal sets deleted_at and
-- keeps the row for history and proration; the address may be added again.
CREATE TABLE mailboxes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    address     TEXT NOT NULL,
    domain      TEXT NOT NULL REFERENCES domains (name),
    created_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP
);
CREATE UNIQUE INDEX mailboxes_active_address ON mailboxes (address) WHERE deleted_at IS NULL;
CREATE INDEX mailboxes_domain ON mailboxes (domain);
