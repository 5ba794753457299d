package directory

import (
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// CustomerInput is what creating a customer takes.
type CustomerInput struct {
	ID       string
	Name     string
	Currency string // default EUR
	Timezone string // default UTC
	Plan     string
	Billing  BillingDetails
}

// Validate normalizes the input and returns the Customer it describes, or
// an Invalid error naming the field.
func (in CustomerInput) Validate(now time.Time) (Customer, error) {
	if err := metering.CheckTexts("id", in.ID, "name", in.Name, "currency", in.Currency, "timezone", in.Timezone, "plan", in.Plan); err != nil {
		return Customer{}, err
	}
	id := strings.TrimSpace(in.ID)
	if id == "" || len(id) > 64 {
		return Customer{}, metering.FieldError("id", "customer id must be 1 to 64 characters")
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.", c)) {
			return Customer{}, metering.FieldError("id", "customer id %q: only letters, digits, '-', '_' and '.' are allowed", id)
		}
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return Customer{}, metering.FieldError("name", "customer name is required")
	}
	cur := strings.ToUpper(strings.TrimSpace(in.Currency))
	if cur == "" {
		cur = "EUR"
	}
	if len(cur) != 3 || strings.Trim(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return Customer{}, metering.FieldError("currency", "currency %q: want a three-letter ISO 4217 code", in.Currency)
	}
	tz := strings.TrimSpace(in.Timezone)
	if tz == "" {
		tz = "UTC"
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return Customer{}, metering.FieldError("timezone", "timezone %q: not an IANA time zone", in.Timezone)
	}
	b, err := in.Billing.Validate()
	if err != nil {
		return Customer{}, err
	}
	return Customer{ID: id, Name: name, Currency: cur, Timezone: tz, Plan: strings.TrimSpace(in.Plan), Billing: b, CreatedAt: now.UTC()}, nil
}

// DomainInput is what creating a domain takes.
type DomainInput struct {
	Name       string
	CustomerID string
}

// Validate normalizes the input.
func (in DomainInput) Validate(now time.Time) (Domain, error) {
	if err := metering.CheckTexts("domain", in.Name, "customer", in.CustomerID); err != nil {
		return Domain{}, err
	}
	name, err := metering.NormalizeDomain(in.Name)
	if err != nil {
		return Domain{}, withField(err, "domain")
	}
	if strings.TrimSpace(in.CustomerID) == "" {
		return Domain{}, metering.FieldError("customer", "customer id is required")
	}
	return Domain{Name: name, CustomerID: strings.TrimSpace(in.CustomerID), CreatedAt: now.UTC()}, nil
}

// MailboxInput is what creating a mailbox takes. Created back-dates the
// mailbox for imports; zero means now.
type MailboxInput struct {
	Address string
	Created time.Time
}

// Validate normalizes the input.
func (in MailboxInput) Validate(now time.Time) (Mailbox, error) {
	if err := metering.CheckText("address", in.Address); err != nil {
		return Mailbox{}, err
	}
	addr, err := metering.NormalizeAddress(in.Address)
	if err != nil {
		return Mailbox{}, withField(err, "address")
	}
	created := in.Created
	if created.IsZero() {
		created = now
	}
	if created.After(now.Add(time.Minute)) {
		return Mailbox{}, metering.FieldError("created", "creation time %s is in the future", created.UTC().Format(time.RFC3339))
	}
	return Mailbox{Address: addr, Domain: metering.DomainOf(addr), CreatedAt: created.UTC()}, nil
}

func withField(err error, field string) error {
	if e, ok := err.(*metering.Error); ok {
		c := *e
		c.Field = field
		return &c
	}
	return err
}
