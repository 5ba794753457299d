package store

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/mailmeter/mailmeter/directory"
)

var _ directory.Tx = (*directoryTx)(nil)

const defaultLimit, maxLimit = 100, 1000

func limitOf(p directory.Page) int {
	switch {
	case p.Limit <= 0:
		return defaultLimit
	case p.Limit > maxLimit:
		return maxLimit
	}
	return p.Limit
}

// activeCustomer, activeDomain and activeMailbox select rows not removed.
const (
	activeCustomer = "id = ? AND deleted_at IS NULL"
	activeDomain   = "name = ? AND deleted_at IS NULL"
	activeMailbox  = "address = ? AND deleted_at IS NULL"
)

// GetCustomer implements directory.Store.
func (s *Store) GetCustomer(ctx context.Context, id string) (directory.Customer, error) {
	var row customerRow
	if err := s.db.WithContext(ctx).Where(activeCustomer, id).Take(&row).Error; err != nil {
		return directory.Customer{}, translate(err, "customer %s", id)
	}
	return row.domain(), nil
}

func customerRowOf(c directory.Customer) customerRow {
	b := c.Billing
	return customerRow{ID: c.ID, Name: c.Name, Currency: c.Currency, Timezone: c.Timezone, Plan: c.Plan, CreatedAt: c.CreatedAt.UTC(),
		LegalName: b.LegalName, Address: b.Address, PostalCode: b.PostalCode, City: b.City, Country: b.Country,
		VATID: b.VATID, BillingEmail: b.Email, TaxBP: b.TaxBP}
}

func (r customerRow) domain() directory.Customer {
	c := directory.Customer{ID: r.ID, Name: r.Name, Currency: r.Currency, Timezone: r.Timezone, Plan: r.Plan, CreatedAt: r.CreatedAt.UTC(),
		Billing: directory.BillingDetails{LegalName: r.LegalName, Address: r.Address, PostalCode: r.PostalCode, City: r.City,
			Country: r.Country, VATID: r.VATID, Email: r.BillingEmail, TaxBP: r.TaxBP}}
	if r.DeletedAt != nil {
		t := r.DeletedAt.UTC()
		c.DeletedAt = &t
	}
	return c
}

func customers(rows []customerRow) []directory.Customer {
	out := make([]directory.Customer, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out
}

// CustomersActiveSince implements directory.Store.
func (s *Store) CustomersActiveSince(ctx context.Context, since time.Time) ([]directory.Customer, error) {
	var rows []customerRow
	if err := s.db.WithContext(ctx).Where("deleted_at IS NULL OR deleted_at > ?", since.UTC()).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "list customers")
	}
	return customers(rows), nil
}

// ListCustomers implements directory.Store.
func (s *Store) ListCustomers(ctx context.Context, p directory.Page) ([]directory.Customer, error) {
	var rows []customerRow
	err := s.db.WithContext(ctx).Where("id > ? AND deleted_at IS NULL", p.After).Order("id").Limit(limitOf(p)).Find(&rows).Error
	if err != nil {
		return nil, translate(err, "list customers")
	}
	return customers(rows), nil
}

func (r domainRow) domain() directory.Domain {
	return directory.Domain{Name: r.Name, CustomerID: r.CustomerID, CreatedAt: r.CreatedAt.UTC()}
}

// GetDomain implements directory.Store.
func (s *Store) GetDomain(ctx context.Context, name string) (directory.Domain, error) {
	var row domainRow
	if err := s.db.WithContext(ctx).Where(activeDomain, name).Take(&row).Error; err != nil {
		return directory.Domain{}, translate(err, "domain %s", name)
	}
	return row.domain(), nil
}

// ListDomains implements directory.Store.
func (s *Store) ListDomains(ctx context.Context, customerID string, p directory.Page) ([]directory.Domain, error) {
	q := s.db.WithContext(ctx).Where("name > ? AND deleted_at IS NULL", p.After)
	if customerID != "" {
		q = q.Where("customer_id = ?", customerID)
	}
	var rows []domainRow
	if err := q.Order("name").Limit(limitOf(p)).Find(&rows).Error; err != nil {
		return nil, translate(err, "list domains")
	}
	out := make([]directory.Domain, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

func (r mailboxRow) domain() directory.Mailbox {
	m := directory.Mailbox{ID: r.ID, Address: r.Address, Domain: r.Domain, CreatedAt: r.CreatedAt.UTC()}
	if r.DeletedAt != nil {
		t := r.DeletedAt.UTC()
		m.DeletedAt = &t
	}
	return m
}

// GetMailbox implements directory.Store.
func (s *Store) GetMailbox(ctx context.Context, address string) (directory.Mailbox, error) {
	var row mailboxRow
	if err := s.db.WithContext(ctx).Where(activeMailbox, address).Take(&row).Error; err != nil {
		return directory.Mailbox{}, translate(err, "mailbox %s", address)
	}
	return row.domain(), nil
}

// ListMailboxes implements directory.Store.
func (s *Store) ListMailboxes(ctx context.Context, f directory.MailboxFilter, p directory.Page) ([]directory.Mailbox, error) {
	q := s.db.WithContext(ctx).Where("address > ?", p.After)
	if !f.IncludeDeleted {
		q = q.Where("deleted_at IS NULL")
	}
	if f.Domain != "" {
		q = q.Where("domain = ?", f.Domain)
	}
	if f.CustomerID != "" {
		q = q.Where("domain IN (?)", s.db.Model(&domainRow{}).Select("name").Where("customer_id = ?", f.CustomerID))
	}
	var rows []mailboxRow
	if err := q.Order("address, id").Limit(limitOf(p)).Find(&rows).Error; err != nil {
		return nil, translate(err, "list mailboxes")
	}
	out := make([]directory.Mailbox, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// InDirectoryTx implements directory.Store with one database transaction;
// locked rows are locked FOR SHARE or FOR UPDATE on PostgreSQL, SQLite
// transactions take the write lock at begin.
func (s *Store) InDirectoryTx(ctx context.Context, fn func(directory.Tx) error) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return fn(&directoryTx{db: tx}) })
	return translate(err, "directory transaction")
}

// directoryTx implements directory.Tx: it maps and queries, the rules are
// directory's.
type directoryTx struct {
	db         *gorm.DB
	savepoints int
}

// locked reads with the row lock l asks for.
func (t *directoryTx) locked(l directory.Lock) *gorm.DB {
	switch l {
	case directory.Share:
		return lockRow(t.db, "SHARE")
	case directory.Exclusive:
		return lockRow(t.db, "UPDATE")
	}
	return t.db
}

func (t *directoryTx) Customer(id string, l directory.Lock) (directory.Customer, error) {
	var row customerRow
	if err := t.locked(l).Where("id = ?", id).Take(&row).Error; err != nil {
		return directory.Customer{}, translate(err, "customer %s", id)
	}
	return row.domain(), nil
}

func (t *directoryTx) Domain(name string, l directory.Lock) (directory.Domain, error) {
	var row domainRow
	if err := t.locked(l).Where(activeDomain, name).Take(&row).Error; err != nil {
		return directory.Domain{}, translate(err, "domain %s", name)
	}
	return row.domain(), nil
}

func (t *directoryTx) Mailbox(address string, l directory.Lock) (directory.Mailbox, error) {
	var row mailboxRow
	if err := t.locked(l).Where(activeMailbox, address).Take(&row).Error; err != nil {
		return directory.Mailbox{}, translate(err, "mailbox %s", address)
	}
	return row.domain(), nil
}

func (t *directoryTx) DomainNames(customerID string, limit int) ([]string, error) {
	var names []string
	err := t.db.Model(&domainRow{}).Where("customer_id = ? AND deleted_at IS NULL", customerID).
		Order("name").Limit(limit).Pluck("name", &names).Error
	return names, translate(err, "domains of customer %s", customerID)
}

func (t *directoryTx) CountMailboxes(domain string) (int64, error) {
	var n int64
	err := t.db.Model(&mailboxRow{}).Where("domain = ? AND deleted_at IS NULL", domain).Count(&n).Error
	return n, translate(err, "mailboxes of domain %s", domain)
}

func (t *directoryTx) InsertCustomer(c directory.Customer) error {
	row := customerRowOf(c)
	return translate(t.db.Create(&row).Error, "create customer %q", c.ID)
}

func (t *directoryTx) UpdateCustomer(c directory.Customer) error {
	b := c.Billing
	err := t.db.Model(&customerRow{}).Where(activeCustomer, c.ID).
		Updates(map[string]any{"name": c.Name, "currency": c.Currency, "timezone": c.Timezone, "plan": c.Plan,
			"legal_name": b.LegalName, "address": b.Address, "postal_code": b.PostalCode, "city": b.City,
			"country": b.Country, "vat_id": b.VATID, "billing_email": b.Email, "tax_bp": b.TaxBP}).Error
	return translate(err, "update customer %s", c.ID)
}

func (t *directoryTx) RemoveCustomer(id string, at time.Time) error {
	err := t.db.Model(&customerRow{}).Where(activeCustomer, id).Update("deleted_at", at.UTC()).Error
	return translate(err, "remove customer %s", id)
}

func (t *directoryTx) InsertDomain(d directory.Domain) error {
	res := t.db.Model(&domainRow{}).Where("name = ? AND deleted_at IS NOT NULL", d.Name).
		Updates(map[string]any{"customer_id": d.CustomerID, "created_at": d.CreatedAt.UTC(), "deleted_at": nil})
	if res.Error != nil || res.RowsAffected > 0 {
		return translate(res.Error, "create domain %s", d.Name)
	}
	row := domainRow{Name: d.Name, CustomerID: d.CustomerID, CreatedAt: d.CreatedAt.UTC()}
	return translate(t.db.Create(&row).Error, "create domain %s", d.Name)
}

func (t *directoryTx) MoveDomain(name, customerID string) error {
	err := t.db.Model(&domainRow{}).Where(activeDomain, name).Update("customer_id", customerID).Error
	return translate(err, "move domain %s", name)
}

func (t *directoryTx) RemoveDomain(name string, at time.Time) error {
	err := t.db.Model(&domainRow{}).Where(activeDomain, name).Update("deleted_at", at.UTC()).Error
	return translate(err, "remove domain %s", name)
}

func (t *directoryTx) InsertMailbox(m directory.Mailbox) (directory.Mailbox, error) {
	row := mailboxRow{Address: m.Address, Domain: m.Domain, CreatedAt: m.CreatedAt.UTC()}
	if err := t.db.Create(&row).Error; err != nil {
		return m, translate(err, "create mailbox %s", m.Address)
	}
	return row.domain(), nil
}

func (t *directoryTx) RemoveMailbox(address string, at time.Time) error {
	err := t.db.Model(&mailboxRow{}).Where(activeMailbox, address).Update("deleted_at", at.UTC()).Error
	return translate(err, "remove mailbox %s", address)
}

func (t *directoryTx) Savepoint(fn func() error) error {
	t.savepoints++
	sp := "dir" + strconv.Itoa(t.savepoints)
	if err := t.db.SavePoint(sp).Error; err != nil {
		return translate(err, "savepoint")
	}
	err := fn()
	if err == nil {
		return nil
	}
	if rb := t.db.RollbackTo(sp).Error; rb != nil {
		return translate(rb, "roll back to savepoint")
	}
	return err
}

// lockRow locks the rows a query reads until the transaction ends, with
// strength "SHARE" or "UPDATE", on PostgreSQL; SQLite transactions hold
// the database's write lock from their begin.
func lockRow(tx *gorm.DB, strength string) *gorm.DB {
	if tx.Dialector.Name() == "postgres" {
		return tx.Clauses(clause.Locking{Strength: strength})
	}
	return tx
}
