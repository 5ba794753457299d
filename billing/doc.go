// Package billing turns a period of measured usage into an invoice: a pure
// function of a plan, the customer's mailboxes and their usage, and the
// service's measured availability and delivery latency (Compute). Money is
// integer minor units of the plan's currency; rates are basis points (1/100
// of a percent) or parts per million; every amount is rounded once, half
// away from zero, where it is billed.
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
