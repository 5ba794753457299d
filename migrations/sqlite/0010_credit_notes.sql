-- Credit notes correct final invoices: rows of their own (kind
-- credit_note), final at once, numbered from their own yearly sequence
-- ("CN-2026-000001"), pointing at the invoice they credit.
ALTER TABLE invoices ADD COLUMN kind TEXT NOT NULL DEFAULT 'invoice';
ALTER TABLE invoices ADD COLUMN credits TEXT REFERENCES invoices (id);
CREATE INDEX invoices_credits ON invoices (credits);
