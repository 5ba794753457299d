-- Customers' billing details, printed on their invoices: legal name,
-- postal address, country (ISO 3166-1 alpha-2), VAT id, the address
-- invoices are sent to, and a tax rate overriding the plan's (basis
-- points; NULL = the plan's).
ALTER TABLE customers ADD COLUMN legal_name TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN postal_code TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN city TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN country TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN vat_id TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN billing_email TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN tax_bp BIGINT;
