-- Service levels (issue #12).
--
-- Every probe check with its time (unix milliseconds): the evidence a
-- service's state per minute is computed from. Kept sla.check_retention,
-- and never before the service's minutes are settled into sla_intervals.
CREATE TABLE probe_checks (
    probe      TEXT NOT NULL,
    at_ms      BIGINT NOT NULL,
    up         BOOLEAN NOT NULL,
    latency_ms BIGINT NOT NULL,
    error      TEXT NOT NULL,
    PRIMARY KEY (probe, at_ms)
);
CREATE INDEX probe_checks_at ON probe_checks (at_ms);

-- How far each service's minutes are settled: [settled_from, settled_to),
-- unix seconds. Within it, sla_intervals holds every down and unknown
-- minute (the rest were up); they are kept forever.
CREATE TABLE sla_settled (
    service      TEXT PRIMARY KEY,
    settled_from BIGINT NOT NULL,
    settled_to   BIGINT NOT NULL
);

CREATE TABLE sla_intervals (
    service  TEXT NOT NULL,
    start_at BIGINT NOT NULL,
    end_at   BIGINT NOT NULL,
    state    TEXT NOT NULL, -- down | unknown
    PRIMARY KEY (service, start_at)
);

-- Incidents reported from outside (a monitor, an operator's log) and
-- announced maintenance windows, per service; times in unix seconds.
CREATE TABLE sla_incidents (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    service    TEXT NOT NULL,
    start_at   BIGINT NOT NULL,
    end_at     BIGINT NOT NULL,
    reason     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX sla_incidents_span ON sla_incidents (start_at, end_at);

CREATE TABLE sla_maintenance (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    service      TEXT NOT NULL,
    start_at     BIGINT NOT NULL,
    end_at       BIGINT NOT NULL,
    announced_at BIGINT NOT NULL,
    reason       TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX sla_maintenance_span ON sla_maintenance (start_at, end_at);
