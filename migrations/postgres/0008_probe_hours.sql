-- Probe results per probe and UTC hour (unix seconds): how many checks of
-- a service were made and how many succeeded. Availability over any range
-- is the sum of successes over the sum of attempts.
CREATE TABLE probe_hours (
    probe     TEXT NOT NULL,
    hour      BIGINT NOT NULL,
    attempts  BIGINT NOT NULL,
    successes BIGINT NOT NULL,
    PRIMARY KEY (probe, hour)
);
