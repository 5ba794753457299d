// Package billing turns a period of measured usage into an invoice: a pure
// function of the plans in force over it (a mid-month change is several
// PlanSpans, each priced for its time), the customer's mailboxes and their
// usage, and the service's measured availability and delivery latency
// (Compute). Plans price per mailbox, per domain in use, storage included
// per mailbox or pooled, graduated overage tiers and a minimum charge.
// Money is integer minor units of the plan's currency with its ISO 4217
// exponent (Exponent, FormatMoney, ParseMoney for decimals people write);
// rates are basis points (1/100 of a percent) or parts per million; every
// amount is rounded once, half away from zero, where it is billed.
//
// Catalog keeps the plans over a PlanStore: versions effective from a day,
// appended, so a past month is priced by the version in force then; the
// configuration's plans are a seed (Seed). A run reads each customer's plan
// history (directory.PlanHistory) and the versions of its plans.
//
// Runner computes a month's invoices for every customer it can, reporting
// each one it cannot. Invoices holds the invoice lifecycle — drafts,
// gapless numbering of final invoices ("2026-000001") and credit notes
// ("CN-2026-000001"), ids, what may change when — over a Store whose
// transactions (Tx) offer only locking, numbering and storing: the store
// package implements it on SQLite and PostgreSQL, billingtest in memory.
//
// An invoice carries who bills whom: the Seller (configured), the buyer
// Party (the customer's billing details) and the TaxRate TaxFor decides
// from them (EU reverse charge, the customer's override, the plan's
// rate). Its documents are one layout printed as text (Text), PDF
// (WritePDF: fpdf, the Go fonts and an embedded CJK subset, fonts/),
// CSV (WriteCSV) and UBL 2.1 e-invoices following EN 16931 (WriteUBL);
// the SLA evidence is read for print in one place, ServiceLevelOf, and
// money formatted in one, FormatMoney. Runner.Preview estimates the
// current month without storing it.
package billing
