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

// Store persists the directory: it reads, and it runs the transactions in
// which the Service applies the directory's rules. Errors are
// *metering.Error values: NotFound for a missing customer, domain or
// mailbox, Conflict for a duplicate.
type Store interface {
	// GetCustomer returns the active customer with the id, or NotFound
	// (removed ones too).
	GetCustomer(ctx context.Context, id string) (Customer, error)
	// ListCustomers pages through the active customers by id.
	ListCustomers(ctx context.Context, p Page) ([]Customer, error)
	// CustomersActiveSince returns every customer not removed before
	// since, removed ones included (billing their last period), by id.
	CustomersActiveSince(ctx context.Context, since time.Time) ([]Customer, error)
	// GetDomain returns the active domain, or NotFound.
	GetDomain(ctx context.Context, name string) (Domain, error)
	// ListDomains pages through the active domains by name, a customer's
	// only unless customerID is "".
	ListDomains(ctx context.Context, customerID string, p Page) ([]Domain, error)
	// GetMailbox returns the active mailbox with the address, or NotFound.
	GetMailbox(ctx context.Context, address string) (Mailbox, error)
	// ListMailboxes pages by address (and id, for the removed lifetimes of
	// one address). The customer filter takes every domain the customer
	// owns, removed ones included.
	ListMailboxes(ctx context.Context, f MailboxFilter, p Page) ([]Mailbox, error)
	// InDirectoryTx runs fn in one transaction, committed if fn returns
	// nil and rolled back otherwise (fn's error is returned).
	InDirectoryTx(ctx context.Context, fn func(Tx) error) error
}

// Lock says how a transaction holds a row it reads, until it ends.
type Lock int

// Locks, weakest first.
const (
	// NoLock reads the row as it is.
	NoLock Lock = iota
	// Share keeps the row from being changed or removed by others, who
	// may share it (to add to a customer or a domain).
	Share
	// Exclusive keeps others from locking the row at all (to change or
	// remove it).
	Exclusive
)

// Tx is what the directory's rules need of one transaction (bound to the
// context InDirectoryTx was given): it reads and writes rows, it decides
// nothing. Errors are *metering.Error values.
type Tx interface {
	// Customer returns the customer with the id, a removed one included
	// (DeletedAt set), or NotFound.
	Customer(id string, l Lock) (Customer, error)
	// Domain returns the active domain, or NotFound.
	Domain(name string, l Lock) (Domain, error)
	// Mailbox returns the active mailbox with the address, or NotFound.
	Mailbox(address string, l Lock) (Mailbox, error)
	// DomainNames returns the names of up to limit active domains of a
	// customer, by name.
	DomainNames(customerID string, limit int) ([]string, error)
	// CountMailboxes returns the number of active mailboxes of a domain.
	CountMailboxes(domain string) (int64, error)

	// InsertCustomer stores a new customer: Conflict if its id is taken.
	InsertCustomer(c Customer) error
	// UpdateCustomer stores the name, currency, timezone, plan and billing
	// details of the active customer c.ID.
	UpdateCustomer(c Customer) error
	// RemoveCustomer marks an active customer removed at at.
	RemoveCustomer(id string, at time.Time) error
	// InsertDomain stores a new active domain, reusing the row of a
	// removed one of that name: Conflict if an active one has it.
	InsertDomain(d Domain) error
	// MoveDomain gives an active domain to another customer.
	MoveDomain(name, customerID string) error
	// RemoveDomain marks an active domain removed at at.
	RemoveDomain(name string, at time.Time) error
	// InsertMailbox stores a new mailbox and returns it with its id:
	// Conflict if an active mailbox has the address.
	InsertMailbox(m Mailbox) (Mailbox, error)
	// RemoveMailbox marks the active mailbox with the address removed at
	// at.
	RemoveMailbox(address string, at time.Time) error

	// Savepoint runs fn; if fn fails, what it wrote is undone and the
	// transaction goes on (fn's error is returned).
	Savepoint(fn func() error) error
}
