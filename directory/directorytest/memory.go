// Package directorytest gives tests of the directory's rules an in-memory
// directory.Store, so the rules are checked on it as well as on the SQLite
// and PostgreSQL stores (the same tests run on all three).
package directorytest

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
)

var _ directory.Store = (*Store)(nil)

// Store keeps the directory in memory. Transactions run one at a time (one
// lock, held from begin to end) on a copy that replaces the data only on
// commit, so a failed one leaves nothing behind.
type Store struct {
	mu   sync.Mutex
	data data
}

// data is the directory: customers by id, domains by name (removed ones
// kept, as their rows are), mailboxes by id.
type data struct {
	customers map[string]directory.Customer
	domains   map[string]domain
	mailboxes map[int64]directory.Mailbox
	lastID    int64
}

type domain struct {
	directory.Domain
	removed bool
}

func (d data) clone() data {
	return data{customers: maps.Clone(d.customers), domains: maps.Clone(d.domains), mailboxes: maps.Clone(d.mailboxes), lastID: d.lastID}
}

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{data: data{customers: map[string]directory.Customer{}, domains: map[string]domain{}, mailboxes: map[int64]directory.Mailbox{}}}
}

// limitOf is the page size: 100 by default, 1000 at most, like the
// database stores.
func limitOf(p directory.Page) int {
	if p.Limit <= 0 {
		return 100
	}
	return min(p.Limit, 1000)
}

// page returns the items after p.After by key, at most p's limit.
func page[T any](items []T, key func(T) string, p directory.Page) []T {
	out := []T{}
	for _, it := range items {
		if key(it) > p.After && len(out) < limitOf(p) {
			out = append(out, it)
		}
	}
	return out
}

// GetCustomer implements directory.Store.
func (s *Store) GetCustomer(_ context.Context, id string) (directory.Customer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.data.customers[id]
	if !ok || c.DeletedAt != nil {
		return directory.Customer{}, metering.Errorf(metering.NotFound, "customer %s does not exist", id)
	}
	return c, nil
}

// customersWhere returns the customers keep accepts, by id.
func (s *Store) customersWhere(keep func(directory.Customer) bool) []directory.Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []directory.Customer
	for _, id := range slices.Sorted(maps.Keys(s.data.customers)) {
		if c := s.data.customers[id]; keep(c) {
			out = append(out, c)
		}
	}
	return out
}

// ListCustomers implements directory.Store.
func (s *Store) ListCustomers(_ context.Context, p directory.Page) ([]directory.Customer, error) {
	active := s.customersWhere(func(c directory.Customer) bool { return c.DeletedAt == nil })
	return page(active, func(c directory.Customer) string { return c.ID }, p), nil
}

// CustomersActiveSince implements directory.Store.
func (s *Store) CustomersActiveSince(_ context.Context, since time.Time) ([]directory.Customer, error) {
	out := s.customersWhere(func(c directory.Customer) bool { return c.DeletedAt == nil || c.DeletedAt.After(since) })
	if out == nil {
		out = []directory.Customer{}
	}
	return out, nil
}

// GetDomain implements directory.Store.
func (s *Store) GetDomain(_ context.Context, name string) (directory.Domain, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.activeDomain(name)
}

// ListDomains implements directory.Store.
func (s *Store) ListDomains(_ context.Context, customerID string, p directory.Page) ([]directory.Domain, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ds []directory.Domain
	for _, name := range slices.Sorted(maps.Keys(s.data.domains)) {
		d := s.data.domains[name]
		if !d.removed && (customerID == "" || d.CustomerID == customerID) {
			ds = append(ds, d.Domain)
		}
	}
	return page(ds, func(d directory.Domain) string { return d.Name }, p), nil
}

// GetMailbox implements directory.Store.
func (s *Store) GetMailbox(_ context.Context, address string) (directory.Mailbox, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.activeMailbox(address)
}

// ListMailboxes implements directory.Store.
func (s *Store) ListMailboxes(_ context.Context, f directory.MailboxFilter, p directory.Page) ([]directory.Mailbox, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ms []directory.Mailbox
	for _, m := range s.data.mailboxes {
		owner, ok := s.data.domains[m.Domain]
		switch {
		case m.DeletedAt != nil && !f.IncludeDeleted,
			f.Domain != "" && m.Domain != f.Domain,
			f.CustomerID != "" && (!ok || owner.CustomerID != f.CustomerID):
			continue
		}
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b directory.Mailbox) int {
		return cmp.Or(cmp.Compare(a.Address, b.Address), cmp.Compare(a.ID, b.ID))
	})
	return page(ms, func(m directory.Mailbox) string { return m.Address }, p), nil
}

// InDirectoryTx implements directory.Store.
func (s *Store) InDirectoryTx(ctx context.Context, fn func(directory.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	tx := &memTx{data: s.data.clone()}
	if err := fn(tx); err != nil {
		return err
	}
	s.data = tx.data
	return nil
}

func (d data) activeDomain(name string) (directory.Domain, error) {
	dom, ok := d.domains[name]
	if !ok || dom.removed {
		return directory.Domain{}, metering.Errorf(metering.NotFound, "domain %s does not exist", name)
	}
	return dom.Domain, nil
}

func (d data) activeMailbox(address string) (directory.Mailbox, error) {
	for _, m := range d.mailboxes {
		if m.Address == address && m.DeletedAt == nil {
			return m, nil
		}
	}
	return directory.Mailbox{}, metering.Errorf(metering.NotFound, "mailbox %s does not exist", address)
}

// memTx is one transaction's copy of the data. Its locks are the Store's
// one lock, held for the whole transaction.
type memTx struct{ data data }

func (t *memTx) Customer(id string, _ directory.Lock) (directory.Customer, error) {
	c, ok := t.data.customers[id]
	if !ok {
		return c, metering.Errorf(metering.NotFound, "customer %s does not exist", id)
	}
	return c, nil
}

func (t *memTx) Domain(name string, _ directory.Lock) (directory.Domain, error) {
	return t.data.activeDomain(name)
}

func (t *memTx) Mailbox(address string, _ directory.Lock) (directory.Mailbox, error) {
	return t.data.activeMailbox(address)
}

func (t *memTx) DomainNames(customerID string, limit int) ([]string, error) {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(t.data.domains)) {
		if d := t.data.domains[name]; !d.removed && d.CustomerID == customerID && len(out) < limit {
			out = append(out, name)
		}
	}
	return out, nil
}

func (t *memTx) CountMailboxes(domain string) (int64, error) {
	var n int64
	for _, m := range t.data.mailboxes {
		if m.Domain == domain && m.DeletedAt == nil {
			n++
		}
	}
	return n, nil
}

func (t *memTx) InsertCustomer(c directory.Customer) error {
	if _, taken := t.data.customers[c.ID]; taken {
		return metering.Errorf(metering.Conflict, "customer %s exists", c.ID)
	}
	c.CreatedAt, c.DeletedAt = c.CreatedAt.UTC(), nil
	t.data.customers[c.ID] = c
	return nil
}

func (t *memTx) UpdateCustomer(c directory.Customer) error {
	cur, ok := t.data.customers[c.ID]
	if ok && cur.DeletedAt == nil {
		cur.Name, cur.Currency, cur.Timezone, cur.Plan, cur.Billing = c.Name, c.Currency, c.Timezone, c.Plan, c.Billing
		t.data.customers[c.ID] = cur
	}
	return nil
}

func (t *memTx) RemoveCustomer(id string, at time.Time) error {
	if c, ok := t.data.customers[id]; ok && c.DeletedAt == nil {
		at = at.UTC()
		c.DeletedAt = &at
		t.data.customers[id] = c
	}
	return nil
}

func (t *memTx) InsertDomain(d directory.Domain) error {
	if cur, ok := t.data.domains[d.Name]; ok && !cur.removed {
		return metering.Errorf(metering.Conflict, "domain %s exists", d.Name)
	}
	d.CreatedAt = d.CreatedAt.UTC()
	t.data.domains[d.Name] = domain{Domain: d}
	return nil
}

func (t *memTx) MoveDomain(name, customerID string) error {
	if d, ok := t.data.domains[name]; ok && !d.removed {
		d.CustomerID = customerID
		t.data.domains[name] = d
	}
	return nil
}

func (t *memTx) RemoveDomain(name string, _ time.Time) error {
	if d, ok := t.data.domains[name]; ok {
		d.removed = true
		t.data.domains[name] = d
	}
	return nil
}

func (t *memTx) InsertMailbox(m directory.Mailbox) (directory.Mailbox, error) {
	if _, err := t.data.activeMailbox(m.Address); err == nil {
		return m, metering.Errorf(metering.Conflict, "mailbox %s exists", m.Address)
	}
	t.data.lastID++
	m.ID, m.CreatedAt, m.DeletedAt = t.data.lastID, m.CreatedAt.UTC(), nil
	t.data.mailboxes[m.ID] = m
	return m, nil
}

func (t *memTx) RemoveMailbox(address string, at time.Time) error {
	if m, err := t.data.activeMailbox(address); err == nil {
		at = at.UTC()
		m.DeletedAt = &at
		t.data.mailboxes[m.ID] = m
	}
	return nil
}

func (t *memTx) Savepoint(fn func() error) error {
	saved := t.data.clone()
	err := fn()
	if err != nil {
		t.data = saved
	}
	return err
}
