// Package directory is the domain of the things usage belongs to: customers
// (billing accounts) with the billing details their invoices print, the
// domains they own and the mailboxes in those domains. It validates and
// normalizes input, defines the Store it needs and parses bulk-import
// files; the store package implements Store with gorm.
package directory
