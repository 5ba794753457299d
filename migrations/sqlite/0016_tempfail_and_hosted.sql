-- Temporary (4xx) SMTP rejects are counted apart from permanent (5xx) ones:
-- a greylisted or tempfailed sender usually retries and is delivered.
-- Rows written before this migration keep their 4xx rejects inside
-- rejected_in/rejected_out: the logs are not read again, so tempfailed_*
-- counts from the upgrade on (docs/metering-rules.md).
ALTER TABLE usage_hours ADD COLUMN tempfailed_in BIGINT NOT NULL DEFAULT 0;
ALTER TABLE usage_hours ADD COLUMN tempfailed_out BIGINT NOT NULL DEFAULT 0;

-- Usage reports show the directory's mailboxes (removed ones included) by
-- default: each usage row's address is looked up among every mailbox the
-- directory ever held.
CREATE INDEX mailboxes_address ON mailboxes (address);
