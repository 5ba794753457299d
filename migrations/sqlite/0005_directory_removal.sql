-- Customers and domains can be removed. Removal is soft, as for mailboxes:
-- the row stays (usage history, proration and invoices refer to it) with
-- deleted_at set. A customer's id is not reused; a removed domain may be
-- added again (to any customer), which revives its row.
ALTER TABLE customers ADD COLUMN deleted_at TIMESTAMP;
ALTER TABLE domains ADD COLUMN deleted_at TIMESTAMP;
