-- Price plans as data. A plan (its id and currency, which never changes)
-- has versions, each pricing from a day on (effective_from, YYYY-MM-DD,
-- that day in each customer's time zone): a price change adds a version,
-- so a past period is priced by the version in force then. pricing holds
-- the fees, inclusions and tiers as JSON in minor units; sla the plan's
-- service level as the sla package's terms (JSON: services, each with
-- service, target_ppm and tiers of below_ppm and credit_bp, a service ""
-- covering every service; latency_target_ns, latency_share_ppm,
-- latency_credit_bp, cap_bp).
CREATE TABLE plans (
    id         TEXT PRIMARY KEY,
    currency   TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE plan_versions (
    plan           TEXT NOT NULL REFERENCES plans (id),
    effective_from TEXT NOT NULL,
    pricing        TEXT NOT NULL,
    sla            TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (plan, effective_from)
);

-- A customer's plans over time: plan from effective_from (YYYY-MM-DD in
-- the customer's time zone) until the next row; '' = none. customers.plan
-- is the plan of the latest row; a customer without rows has had
-- customers.plan since the epoch.
CREATE TABLE customer_plans (
    customer_id    TEXT NOT NULL REFERENCES customers (id),
    effective_from TEXT NOT NULL,
    plan           TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (customer_id, effective_from)
);
