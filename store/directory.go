package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
)

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

// CreateCustomer implements directory.Store.
func (s *Store) CreateCustomer(ctx context.Context, c directory.Customer) error {
	return createCustomer(s.db.WithContext(ctx), c)
}

func createCustomer(db *gorm.DB, c directory.Customer) error {
	var old customerRow
	switch err := db.Where("id = ?", c.ID).Take(&old).Error; {
	case err == nil && old.DeletedAt != nil:
		return &metering.Error{Kind: metering.Conflict, Field: "id", Message: "customer id " + c.ID +
			" belonged to a customer removed on " + old.DeletedAt.UTC().Format(time.RFC3339) + "; ids are not reused"}
	case err == nil:
		return &metering.Error{Kind: metering.Conflict, Field: "id", Message: "customer " + c.ID + " already exists"}
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return translate(err, "look up customer %q", c.ID)
	}
	row := customerRowOf(c)
	if err := db.Create(&row).Error; err != nil {
		err = translate(err, "create customer %q", c.ID)
		if metering.KindOf(err) == metering.Conflict {
			return &metering.Error{Kind: metering.Conflict, Field: "id", Message: "customer " + c.ID + " already exists"}
		}
		return err
	}
	return nil
}

// activeCustomer and activeDomain select rows not removed.
const activeCustomer, activeDomain = "id = ? AND deleted_at IS NULL", "name = ? AND deleted_at IS NULL"

// UpdateCustomer implements directory.Store.
func (s *Store) UpdateCustomer(ctx context.Context, c directory.Customer) error {
	b := c.Billing
	res := s.db.WithContext(ctx).Model(&customerRow{}).Where(activeCustomer, c.ID).
		Updates(map[string]any{"name": c.Name, "currency": c.Currency, "timezone": c.Timezone, "plan": c.Plan,
			"legal_name": b.LegalName, "address": b.Address, "postal_code": b.PostalCode, "city": b.City,
			"country": b.Country, "vat_id": b.VATID, "billing_email": b.Email, "tax_bp": b.TaxBP})
	if res.Error != nil {
		return translate(res.Error, "update customer %s", c.ID)
	}
	if res.RowsAffected == 0 {
		return metering.Errorf(metering.NotFound, "customer %s does not exist", c.ID)
	}
	return nil
}

// RemoveCustomer implements directory.Store.
func (s *Store) RemoveCustomer(ctx context.Context, id string, at time.Time) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockCustomer(tx, id, "UPDATE"); err != nil {
			return err
		}
		var domains []string
		if err := tx.Model(&domainRow{}).Where("customer_id = ? AND deleted_at IS NULL", id).
			Order("name").Limit(4).Pluck("name", &domains).Error; err != nil {
			return err
		}
		if len(domains) > 0 {
			return metering.Errorf(metering.Conflict, "customer %s still owns domains (%s); remove or move them first",
				id, strings.Join(domains, ", "))
		}
		return tx.Model(&customerRow{}).Where(activeCustomer, id).Update("deleted_at", at.UTC()).Error
	})
	return translate(err, "remove customer %s", id)
}

// lockCustomer makes sure the customer exists and is not removed, and on
// PostgreSQL locks its row until the transaction ends (strength "SHARE" to
// add to it, "UPDATE" to remove it), so that no domain is added to a
// customer being removed. SQLite transactions take the write lock at once.
func lockCustomer(tx *gorm.DB, id, strength string) error {
	var row customerRow
	err := lockRow(tx, strength).Where(activeCustomer, id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return &metering.Error{Kind: metering.NotFound, Field: "customer", Message: "customer " + id + " does not exist"}
	}
	return err
}

// lockDomain is lockCustomer for a domain; field names the input at fault
// when the domain does not exist.
func lockDomain(tx *gorm.DB, name, strength, field, hint string) error {
	var row domainRow
	err := lockRow(tx, strength).Where(activeDomain, name).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return &metering.Error{Kind: metering.NotFound, Field: field, Message: "domain " + name + " does not exist" + hint}
	}
	return err
}

func lockRow(tx *gorm.DB, strength string) *gorm.DB {
	if tx.Dialector.Name() == "postgres" {
		return tx.Clauses(clause.Locking{Strength: strength})
	}
	return tx
}

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

// CustomersActiveSince implements directory.Store.
func (s *Store) CustomersActiveSince(ctx context.Context, since time.Time) ([]directory.Customer, error) {
	var rows []customerRow
	if err := s.db.WithContext(ctx).Where("deleted_at IS NULL OR deleted_at > ?", since.UTC()).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "list customers")
	}
	out := make([]directory.Customer, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// ListCustomers implements directory.Store.
func (s *Store) ListCustomers(ctx context.Context, p directory.Page) ([]directory.Customer, error) {
	var rows []customerRow
	err := s.db.WithContext(ctx).Where("id > ? AND deleted_at IS NULL", p.After).Order("id").Limit(limitOf(p)).Find(&rows).Error
	if err != nil {
		return nil, translate(err, "list customers")
	}
	out := make([]directory.Customer, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// CreateDomain implements directory.Store.
func (s *Store) CreateDomain(ctx context.Context, d directory.Domain) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return createDomain(tx, d) })
}

// createDomain runs in a transaction.
func createDomain(db *gorm.DB, d directory.Domain) error {
	if err := lockCustomer(db, d.CustomerID, "SHARE"); err != nil {
		return translate(err, "look up customer %s", d.CustomerID)
	}
	// A removed domain added again revives its row.
	res := db.Model(&domainRow{}).Where("name = ? AND deleted_at IS NOT NULL", d.Name).
		Updates(map[string]any{"customer_id": d.CustomerID, "created_at": d.CreatedAt.UTC(), "deleted_at": nil})
	if res.Error != nil {
		return translate(res.Error, "create domain %s", d.Name)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	row := domainRow{Name: d.Name, CustomerID: d.CustomerID, CreatedAt: d.CreatedAt.UTC()}
	if err := db.Create(&row).Error; err != nil {
		err = translate(err, "create domain %s", d.Name)
		if metering.KindOf(err) == metering.Conflict {
			return &metering.Error{Kind: metering.Conflict, Field: "domain", Message: "domain " + d.Name + " already exists"}
		}
		return err
	}
	return nil
}

// GetDomain implements directory.Store.
func (s *Store) GetDomain(ctx context.Context, name string) (directory.Domain, error) {
	var row domainRow
	if err := s.db.WithContext(ctx).Where(activeDomain, name).Take(&row).Error; err != nil {
		return directory.Domain{}, translate(err, "domain %s", name)
	}
	return directory.Domain{Name: row.Name, CustomerID: row.CustomerID, CreatedAt: row.CreatedAt.UTC()}, nil
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
		out[i] = directory.Domain{Name: r.Name, CustomerID: r.CustomerID, CreatedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}

// MoveDomain implements directory.Store.
func (s *Store) MoveDomain(ctx context.Context, name, customerID string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockCustomer(tx, customerID, "SHARE"); err != nil {
			return err
		}
		res := tx.Model(&domainRow{}).Where(activeDomain, name).Update("customer_id", customerID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return &metering.Error{Kind: metering.NotFound, Field: "domain", Message: "domain " + name + " does not exist"}
		}
		return nil
	})
	return translate(err, "move domain %s", name)
}

// RemoveDomain implements directory.Store.
func (s *Store) RemoveDomain(ctx context.Context, name string, at time.Time) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockDomain(tx, name, "UPDATE", "domain", ""); err != nil {
			return err
		}
		var active int64
		if err := tx.Model(&mailboxRow{}).Where("domain = ? AND deleted_at IS NULL", name).Count(&active).Error; err != nil {
			return err
		}
		if active > 0 {
			return metering.Errorf(metering.Conflict, "domain %s still has %d active mailboxes; remove them first", name, active)
		}
		return tx.Model(&domainRow{}).Where(activeDomain, name).Update("deleted_at", at.UTC()).Error
	})
	return translate(err, "remove domain %s", name)
}

// CreateMailbox implements directory.Store.
func (s *Store) CreateMailbox(ctx context.Context, m directory.Mailbox) (out directory.Mailbox, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		out, err = createMailbox(tx, m)
		return err
	})
	return out, err
}

// createMailbox runs in a transaction.
func createMailbox(db *gorm.DB, m directory.Mailbox) (directory.Mailbox, error) {
	if err := lockDomain(db, m.Domain, "SHARE", "address", "; add it first (mailmeter domain add)"); err != nil {
		return m, translate(err, "look up domain %s", m.Domain)
	}
	row := mailboxRow{Address: m.Address, Domain: m.Domain, CreatedAt: m.CreatedAt.UTC()}
	if err := db.Create(&row).Error; err != nil {
		err = translate(err, "create mailbox %s", m.Address)
		if metering.KindOf(err) == metering.Conflict {
			return m, &metering.Error{Kind: metering.Conflict, Field: "address", Message: "mailbox " + m.Address + " already exists"}
		}
		return m, err
	}
	return row.domain(), nil
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
	err := s.db.WithContext(ctx).Where("address = ? AND deleted_at IS NULL", address).Take(&row).Error
	if err != nil {
		return directory.Mailbox{}, translate(err, "mailbox %s", address)
	}
	return row.domain(), nil
}

// ListMailboxes implements directory.Store. Pages are ordered by address
// (and id, for removed lifetimes of one address).
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

// RemoveMailbox implements directory.Store.
func (s *Store) RemoveMailbox(ctx context.Context, address string, at time.Time) error {
	res := s.db.WithContext(ctx).Model(&mailboxRow{}).
		Where("address = ? AND deleted_at IS NULL", address).Update("deleted_at", at.UTC())
	if res.Error != nil {
		return translate(res.Error, "remove mailbox %s", address)
	}
	if res.RowsAffected == 0 {
		return metering.Errorf(metering.NotFound, "mailbox %s does not exist", address)
	}
	return nil
}

// Import implements directory.Store: one transaction, a savepoint per row.
func (s *Store) Import(ctx context.Context, rows []directory.ImportRow) ([]directory.RowResult, error) {
	results := make([]directory.RowResult, 0, len(rows))
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for i, r := range rows {
			sp := "row" + strconv.Itoa(i)
			if err := tx.SavePoint(sp).Error; err != nil {
				return err
			}
			created, err := importRow(tx, r)
			if err != nil {
				if metering.KindOf(err) == metering.Internal || metering.KindOf(err) == metering.Unavailable {
					return err
				}
				if rb := tx.RollbackTo(sp).Error; rb != nil {
					return rb
				}
			}
			results = append(results, directory.RowResult{Line: r.Line, Created: created, Err: err})
		}
		return nil
	})
	if err != nil {
		return nil, translate(err, "import")
	}
	return results, nil
}

func importRow(tx *gorm.DB, r directory.ImportRow) (bool, error) {
	if r.Customer != nil {
		var n int64
		if err := tx.Model(&customerRow{}).Where(activeCustomer, r.Customer.ID).Count(&n).Error; err != nil {
			return false, translate(err, "look up customer")
		}
		if n == 0 {
			if err := createCustomer(tx, *r.Customer); err != nil {
				return false, err
			}
		}
	}
	var d domainRow
	err := tx.Where(activeDomain, r.Domain.Name).Take(&d).Error
	switch {
	case err == nil:
		if r.Customer != nil && d.CustomerID != r.Customer.ID {
			return false, metering.Errorf(metering.Conflict, "domain %s belongs to customer %s, not %s", d.Name, d.CustomerID, r.Customer.ID)
		}
	case r.Customer == nil:
		return false, metering.Errorf(metering.NotFound, "domain %s does not exist and the row names no customer", r.Domain.Name)
	default:
		if err := createDomain(tx, r.Domain); err != nil {
			return false, err
		}
	}
	var existing int64
	if err := tx.Model(&mailboxRow{}).Where("address = ? AND deleted_at IS NULL", r.Mailbox.Address).Count(&existing).Error; err != nil {
		return false, translate(err, "look up mailbox")
	}
	if existing > 0 {
		return false, nil
	}
	_, err = createMailbox(tx, r.Mailbox)
	return err == nil, err
}
