package directory

import (
	"context"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// Service applies the directory's rules on top of a Store.
type Service struct {
	store Store
	now   func() time.Time
}

// NewService returns a Service over store using now as its clock.
func NewService(store Store, now func() time.Time) *Service {
	return &Service{store: store, now: now}
}

// AddCustomer validates and creates a customer.
func (s *Service) AddCustomer(ctx context.Context, in CustomerInput) (Customer, error) {
	c, err := in.Validate(s.now())
	if err != nil {
		return Customer{}, err
	}
	return c, s.store.CreateCustomer(ctx, c)
}

// AddDomain validates and creates a domain owned by an existing customer.
func (s *Service) AddDomain(ctx context.Context, in DomainInput) (Domain, error) {
	d, err := in.Validate(s.now())
	if err != nil {
		return Domain{}, err
	}
	return d, s.store.CreateDomain(ctx, d)
}

// AddMailbox validates and creates a mailbox in an existing domain.
func (s *Service) AddMailbox(ctx context.Context, in MailboxInput) (Mailbox, error) {
	m, err := in.Validate(s.now())
	if err != nil {
		return Mailbox{}, err
	}
	return s.store.CreateMailbox(ctx, m)
}

// RemoveMailbox soft-deletes a mailbox at the given time (zero = now).
func (s *Service) RemoveMailbox(ctx context.Context, address string, at time.Time) error {
	addr, err := metering.NormalizeAddress(address)
	if err != nil {
		return withField(err, "address")
	}
	if at.IsZero() {
		at = s.now()
	}
	m, err := s.store.GetMailbox(ctx, addr)
	if err != nil {
		return err
	}
	if at.Before(m.CreatedAt) {
		return metering.FieldError("at", "removal time %s is before the mailbox was created (%s)",
			at.UTC().Format(time.RFC3339), m.CreatedAt.Format(time.RFC3339))
	}
	return s.store.RemoveMailbox(ctx, addr, at.UTC())
}

// Import parses a CSV file and applies its good rows in one transaction.
// Rows that fail to parse or to apply are reported with their line number;
// re-importing the same file changes nothing.
func (s *Service) Import(ctx context.Context, rows []ImportRow, parseErrs []RowResult) (ImportReport, error) {
	results, err := s.store.Import(ctx, rows)
	if err != nil {
		return ImportReport{}, err
	}
	rep := ImportReport{Rejected: parseErrs}
	for _, r := range results {
		switch {
		case r.Err != nil:
			rep.Rejected = append(rep.Rejected, r)
		case r.Created:
			rep.Created++
		default:
			rep.Unchanged++
		}
	}
	sortResults(rep.Rejected)
	return rep, nil
}

// Store returns the underlying store, for read-only listings.
func (s *Service) Store() Store { return s.store }
