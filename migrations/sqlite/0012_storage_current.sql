-- The newest mailbox-total storage reading of every mailbox, kept beside
-- the hourly gauges in the same transaction: the quota view reads this
-- small table at each refresh instead of searching all gauges for the
-- latest hour of each mailbox.
CREATE TABLE storage_current (
    mailbox     TEXT NOT NULL,
    metric      TEXT NOT NULL,
    hour        BIGINT NOT NULL,
    last        BIGINT NOT NULL,
    observed_at BIGINT NOT NULL,
    PRIMARY KEY (mailbox, metric)
);

INSERT INTO storage_current (mailbox, metric, hour, last, observed_at)
SELECT g.mailbox, g.metric, g.hour, g.last, g.observed_at FROM usage_gauges g
JOIN (SELECT mailbox, metric, MAX(hour) AS hour FROM usage_gauges WHERE folder = '' GROUP BY mailbox, metric) m
  ON g.mailbox = m.mailbox AND g.metric = m.metric AND g.hour = m.hour
WHERE g.folder = '';
