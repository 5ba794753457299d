package directory

import (
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// The directory's rules, applied inside one transaction of the Store:
// ids of removed customers are not reused; a customer goes only once it
// owns no domain, a domain only once it has no active mailbox; domains
// are added only to, and moved only to, an existing customer, mailboxes
// only to an existing domain.

// ownedDomainsShown is how many of its domains the refusal to remove a
// customer names.
const ownedDomainsShown = 4

// liveCustomer returns the customer id, locked with l, or NotFound (field
// "customer") if there is none or it was removed.
func liveCustomer(tx Tx, id string, l Lock) (Customer, error) {
	c, err := tx.Customer(id, l)
	if metering.KindOf(err) == metering.NotFound || err == nil && c.DeletedAt != nil {
		return Customer{}, &metering.Error{Kind: metering.NotFound, Field: "customer", Message: "customer " + id + " does not exist"}
	}
	return c, err
}

// liveDomain returns the active domain, locked with l, or NotFound naming
// field, the input at fault, with hint appended to the message.
func liveDomain(tx Tx, name string, l Lock, field, hint string) (Domain, error) {
	d, err := tx.Domain(name, l)
	if metering.KindOf(err) == metering.NotFound {
		return Domain{}, &metering.Error{Kind: metering.NotFound, Field: field, Message: "domain " + name + " does not exist" + hint}
	}
	return d, err
}

// createCustomer stores a new customer; an id that is or was a
// customer's is refused (Conflict, field "id").
func createCustomer(tx Tx, c Customer) error {
	old, err := tx.Customer(c.ID, NoLock)
	switch {
	case err == nil && old.DeletedAt != nil:
		return &metering.Error{Kind: metering.Conflict, Field: "id", Message: "customer id " + c.ID +
			" belonged to a customer removed on " + old.DeletedAt.UTC().Format(time.RFC3339) + "; ids are not reused"}
	case err == nil:
		return customerExists(c.ID)
	case metering.KindOf(err) != metering.NotFound:
		return err
	}
	if err := tx.InsertCustomer(c); err != nil {
		if metering.KindOf(err) == metering.Conflict {
			return customerExists(c.ID)
		}
		return err
	}
	return nil
}

func customerExists(id string) error {
	return &metering.Error{Kind: metering.Conflict, Field: "id", Message: "customer " + id + " already exists"}
}

// removeCustomer removes a customer that owns no active domain.
func removeCustomer(tx Tx, id string, at time.Time) error {
	if _, err := liveCustomer(tx, id, Exclusive); err != nil {
		return err
	}
	domains, err := tx.DomainNames(id, ownedDomainsShown)
	if err != nil {
		return err
	}
	if len(domains) > 0 {
		return metering.Errorf(metering.Conflict, "customer %s still owns domains (%s); remove or move them first",
			id, strings.Join(domains, ", "))
	}
	return tx.RemoveCustomer(id, at.UTC())
}

// createDomain adds a domain (or brings a removed one back) to an
// existing customer, which cannot be removed meanwhile.
func createDomain(tx Tx, d Domain) error {
	if _, err := liveCustomer(tx, d.CustomerID, Share); err != nil {
		return err
	}
	if err := tx.InsertDomain(d); err != nil {
		if metering.KindOf(err) == metering.Conflict {
			return &metering.Error{Kind: metering.Conflict, Field: "domain", Message: "domain " + d.Name + " already exists"}
		}
		return err
	}
	return nil
}

// moveDomain gives a domain to another existing customer.
func moveDomain(tx Tx, name, customerID string) error {
	if _, err := liveCustomer(tx, customerID, Share); err != nil {
		return err
	}
	if _, err := liveDomain(tx, name, Exclusive, "domain", ""); err != nil {
		return err
	}
	return tx.MoveDomain(name, customerID)
}

// removeDomain removes a domain with no active mailbox.
func removeDomain(tx Tx, name string, at time.Time) error {
	if _, err := liveDomain(tx, name, Exclusive, "domain", ""); err != nil {
		return err
	}
	active, err := tx.CountMailboxes(name)
	if err != nil {
		return err
	}
	if active > 0 {
		return metering.Errorf(metering.Conflict, "domain %s still has %d active mailboxes; remove them first", name, active)
	}
	return tx.RemoveDomain(name, at.UTC())
}

// createMailbox adds a mailbox to an existing domain, which cannot be
// removed meanwhile.
func createMailbox(tx Tx, m Mailbox) (Mailbox, error) {
	if _, err := liveDomain(tx, m.Domain, Share, "address", "; add it first (mailmeter domain add)"); err != nil {
		return m, err
	}
	out, err := tx.InsertMailbox(m)
	if metering.KindOf(err) == metering.Conflict {
		return m, &metering.Error{Kind: metering.Conflict, Field: "address", Message: "mailbox " + m.Address + " already exists"}
	}
	if err != nil {
		return m, err
	}
	return out, nil
}

// removeMailbox removes an active mailbox, not before it was created.
func removeMailbox(tx Tx, address string, at time.Time) error {
	m, err := tx.Mailbox(address, Exclusive)
	if err != nil {
		return err
	}
	if at.Before(m.CreatedAt) {
		return metering.FieldError("at", "removal time %s is before the mailbox was created (%s)",
			at.UTC().Format(time.RFC3339), m.CreatedAt.Format(time.RFC3339))
	}
	return tx.RemoveMailbox(address, at.UTC())
}

// importRows applies rows each in a savepoint of tx: a row that fails is
// undone alone and reported, unless the database failed (Internal,
// Unavailable), which ends the import.
func importRows(tx Tx, rows []ImportRow) ([]RowResult, error) {
	results := make([]RowResult, 0, len(rows))
	for _, r := range rows {
		var created bool
		err := tx.Savepoint(func() (err error) {
			created, err = importRow(tx, r)
			return err
		})
		if k := metering.KindOf(err); k == metering.Internal || k == metering.Unavailable {
			return nil, err
		}
		results = append(results, RowResult{Line: r.Line, Created: created && err == nil, Err: err})
	}
	return results, nil
}

// importRow creates what a row names and does not exist yet; it reports
// whether the mailbox was created. An existing customer or domain is used
// as it is, but a domain of another customer than the row's is refused.
func importRow(tx Tx, r ImportRow) (bool, error) {
	if r.Customer != nil {
		if _, err := liveCustomer(tx, r.Customer.ID, NoLock); metering.KindOf(err) == metering.NotFound {
			if err := createCustomer(tx, *r.Customer); err != nil {
				return false, err
			}
		} else if err != nil {
			return false, err
		}
	}
	d, err := tx.Domain(r.Domain.Name, NoLock)
	switch {
	case err == nil:
		if r.Customer != nil && d.CustomerID != r.Customer.ID {
			return false, metering.Errorf(metering.Conflict, "domain %s belongs to customer %s, not %s", d.Name, d.CustomerID, r.Customer.ID)
		}
	case metering.KindOf(err) != metering.NotFound:
		return false, err
	case r.Customer == nil:
		return false, metering.Errorf(metering.NotFound, "domain %s does not exist and the row names no customer", r.Domain.Name)
	default:
		if err := createDomain(tx, r.Domain); err != nil {
			return false, err
		}
	}
	switch _, err := tx.Mailbox(r.Mailbox.Address, NoLock); {
	case err == nil:
		return false, nil
	case metering.KindOf(err) != metering.NotFound:
		return false, err
	}
	_, err = createMailbox(tx, r.Mailbox)
	return err == nil, err
}
