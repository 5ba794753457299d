package store

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"

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
	row := customerRow{c.ID, c.Name, c.Currency, c.Timezone, c.Plan, c.CreatedAt.UTC()}
	if err := db.Create(&row).Error; err != nil {
		err = translate(err, "create customer %q", c.ID)
		if metering.KindOf(err) == metering.Conflict {
			return &metering.Error{Kind: metering.Conflict, Field: "id", Message: "customer " + c.ID + " already exists"}
		}
		return err
	}
	return nil
}

// GetCustomer implements directory.Store.
func (s *Store) GetCustomer(ctx context.Context, id string) (directory.Customer, error) {
	var row customerRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return directory.Customer{}, translate(err, "customer %s", id)
	}
	return row.domain(), nil
}

func (r customerRow) domain() directory.Customer {
	return directory.Customer{ID: r.ID, Name: r.Name, Currency: r.Currency, Timezone: r.Timezone, Plan: r.Plan, CreatedAt: r.CreatedAt.UTC()}
}

// ListCustomers implements directory.Store.
func (s *Store) ListCustomers(ctx context.Context, p directory.Page) ([]directory.Customer, error) {
	var rows []customerRow
	err := s.db.WithContext(ctx).Where("id > ?", p.After).Order("id").Limit(limitOf(p)).Find(&rows).Error
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
	return createDomain(s.db.WithContext(ctx), d)
}

func createDomain(db *gorm.DB, d directory.Domain) error {
	var n int64
	if err := db.Model(&customerRow{}).Where("id = ?", d.CustomerID).Count(&n).Error; err != nil {
		return translate(err, "look up customer %s", d.CustomerID)
	}
	if n == 0 {
		return &metering.Error{Kind: metering.NotFound, Field: "customer", Message: "customer " + d.CustomerID + " does not exist"}
	}
	row := domainRow{d.Name, d.CustomerID, d.CreatedAt.UTC()}
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
	if err := s.db.WithContext(ctx).Where("name = ?", name).Take(&row).Error; err != nil {
		return directory.Domain{}, translate(err, "domain %s", name)
	}
	return directory.Domain{Name: row.Name, CustomerID: row.CustomerID, CreatedAt: row.CreatedAt.UTC()}, nil
}

// ListDomains implements directory.Store.
func (s *Store) ListDomains(ctx context.Context, customerID string, p directory.Page) ([]directory.Domain, error) {
	q := s.db.WithContext(ctx).Where("name > ?", p.After)
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

// CreateMailbox implements directory.Store.
func (s *Store) CreateMailbox(ctx context.Context, m directory.Mailbox) (directory.Mailbox, error) {
	return createMailbox(s.db.WithContext(ctx), m)
}

func createMailbox(db *gorm.DB, m directory.Mailbox) (directory.Mailbox, error) {
	var n int64
	if err := db.Model(&domainRow{}).Where("name = ?", m.Domain).Count(&n).Error; err != nil {
		return m, translate(err, "look up domain %s", m.Domain)
	}
	if n == 0 {
		return m, &metering.Error{Kind: metering.NotFound, Field: "address", Message: "domain " + m.Domain + " does not exist; add it first (mailmeter domain add)"}
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
		if err := tx.Model(&customerRow{}).Where("id = ?", r.Customer.ID).Count(&n).Error; err != nil {
			return false, translate(err, "look up customer")
		}
		if n == 0 {
			if err := createCustomer(tx, *r.Customer); err != nil {
				return false, err
			}
		}
	}
	var d domainRow
	err := tx.Where("name = ?", r.Domain.Name).Take(&d).Error
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
