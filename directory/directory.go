package directory

import (
	"context"
	"time"
)

// Customer is a billing account.
type Customer struct {
	ID        string
	Name      string
	Currency  string // ISO 4217 code, upper case
	Timezone  string // IANA zone the customer's invoices and days are computed in
	Plan      string // plan name; "" until assigned
	Billing   BillingDetails
	CreatedAt time.Time
	DeletedAt *time.Time // removed (kept for history and its last invoices)
}

// Domain is a mail domain owned by exactly one customer.
type Domain struct {
	Name       string
	CustomerID string
	CreatedAt  time.Time
}

// Mailbox is one lifetime of an address: created, and possibly removed
// (soft-deleted; history and proration keep it).
type Mailbox struct {
	ID        int64
	Address   string
	Domain    string
	CreatedAt time.Time
	DeletedAt *time.Time
}

// Active reports whether the mailbox existed at t.
func (m Mailbox) Active(t time.Time) bool {
	return !t.Before(m.CreatedAt) && (m.DeletedAt == nil || t.Before(*m.DeletedAt))
}

// Page selects a slice of a list ordered by key: items with key > After, at
// most Limit of them (0 = the store's default).
type Page struct {
	After string
	Limit int
}

// MailboxFilter narrows ListMailboxes.
type MailboxFilter struct {
	Domain         string // only this domain
	CustomerID     string // only domains of this customer
	IncludeDeleted bool   // also removed mailboxes
}

// Store persists the directory. Errors are *metering.Error values:
// NotFound for a missing customer, domain or mailbox, Conflict for a
// duplicate, Invalid for a reference to something that does not exist.
type Store interface {
	// CreateCustomer returns Conflict if the id exists.
	CreateCustomer(ctx context.Context, c Customer) error
	// GetCustomer returns NotFound if there is no such customer (removed ones
	// included).
	GetCustomer(ctx context.Context, id string) (Customer, error)
	ListCustomers(ctx context.Context, p Page) ([]Customer, error)
	// CustomersActiveSince returns every customer not removed before
	// since, removed ones included (billing their last period), by id.
	CustomersActiveSince(ctx context.Context, since time.Time) ([]Customer, error)
	// UpdateCustomer stores c's name, currency, timezone, plan and billing
	// details; NotFound if there is no such customer.
	UpdateCustomer(ctx context.Context, c Customer) error
	// RemoveCustomer soft-deletes a customer: NotFound if there is none,
	// Conflict while it owns domains. Its id is not reused.
	RemoveCustomer(ctx context.Context, id string, at time.Time) error
	// CreateDomain returns Conflict if the domain exists, NotFound if the
	// customer does not.
	CreateDomain(ctx context.Context, d Domain) error
	// GetDomain returns NotFound if there is no such domain.
	GetDomain(ctx context.Context, name string) (Domain, error)
	ListDomains(ctx context.Context, customerID string, p Page) ([]Domain, error)
	// MoveDomain gives a domain to another customer: NotFound if either
	// does not exist.
	MoveDomain(ctx context.Context, name, customerID string) error
	// RemoveDomain soft-deletes a domain: NotFound if there is none,
	// Conflict while it has active mailboxes. Adding it again revives it.
	RemoveDomain(ctx context.Context, name string, at time.Time) error
	// CreateMailbox returns Conflict if an active mailbox has the address,
	// NotFound if its domain does not exist.
	CreateMailbox(ctx context.Context, m Mailbox) (Mailbox, error)
	// GetMailbox returns the active mailbox with the address, or NotFound.
	GetMailbox(ctx context.Context, address string) (Mailbox, error)
	// ListMailboxes pages by address.
	ListMailboxes(ctx context.Context, f MailboxFilter, p Page) ([]Mailbox, error)
	// RemoveMailbox soft-deletes the active mailbox, or returns NotFound.
	RemoveMailbox(ctx context.Context, address string, at time.Time) error
	// Import applies rows in one transaction; each row succeeds or fails
	// alone. It returns one RowResult per row, in order.
	Import(ctx context.Context, rows []ImportRow) ([]RowResult, error)
}
