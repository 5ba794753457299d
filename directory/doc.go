// Package directory is the domain of the things usage belongs to: customers
// (billing accounts) with the billing details their invoices print, the
// domains they own and the mailboxes in those domains. It validates and
// normalizes input, applies the directory's rules (ids are not reused,
// nothing is removed while something active hangs below it, nothing is
// added below something removed) inside transactions of the Store it
// defines, and parses bulk-import files. The store package implements
// Store with gorm, directorytest in memory.
package directory
