-- DNS blocklist standings of the outgoing IPs (dnsbl probes). dnsbl_state
-- holds each IP's current standing per zone: listed or not, the codes (A
-- records, comma-separated, e.g. 127.0.0.2,127.0.0.4) and the reason (TXT)
-- the zone answered. It changes by compare-and-set, so of several processes
-- seeing a change one records it. dnsbl_history keeps every change, first
-- sightings included: the listing evidence of the SLA report.
CREATE TABLE dnsbl_state (
    ip         TEXT NOT NULL,
    zone       TEXT NOT NULL,
    listed     BOOLEAN NOT NULL,
    codes      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (ip, zone)
);

CREATE TABLE dnsbl_history (
    id BIGSERIAL PRIMARY KEY,
    ip     TEXT NOT NULL,
    zone   TEXT NOT NULL,
    listed BOOLEAN NOT NULL,
    codes  TEXT NOT NULL,
    reason TEXT NOT NULL,
    at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX dnsbl_history_at ON dnsbl_history (at);
