package directory

import (
	"context"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// Service applies the directory's rules on top of a Store.
type Service struct {
	store   Store
	plans   Plans       // nil: any plan name is accepted
	history PlanHistory // nil: a plan change only sets the customer's plan
	now     func() time.Time
}

// NewService returns a Service over store using now as its clock. It
// accepts any plan name until WithPlans says which exist.
func NewService(store Store, now func() time.Time) *Service {
	return &Service{store: store, now: now}
}

// WithPlans makes s refuse customers (created, updated or imported) whose
// plan plans does not define. It returns s.
func (s *Service) WithPlans(plans Plans) *Service {
	s.plans = plans
	return s
}

// WithPlanHistory makes s record customers' plan changes in h, effective
// from a day (CustomerPatch.PlanEffective), so a month is billed by the
// plans in force over it. It returns s.
func (s *Service) WithPlanHistory(h PlanHistory) *Service {
	s.history = h
	return s
}

// AddCustomer validates and creates a customer.
func (s *Service) AddCustomer(ctx context.Context, in CustomerInput) (Customer, error) {
	c, err := in.Validate(s.now())
	if err != nil {
		return Customer{}, err
	}
	if err := s.checkPlan(ctx, c.Plan); err != nil {
		return Customer{}, err
	}
	return c, s.store.InDirectoryTx(ctx, func(tx Tx) error { return createCustomer(tx, c) })
}

// AddDomain validates and creates a domain owned by an existing customer.
func (s *Service) AddDomain(ctx context.Context, in DomainInput) (Domain, error) {
	d, err := in.Validate(s.now())
	if err != nil {
		return Domain{}, err
	}
	return d, s.store.InDirectoryTx(ctx, func(tx Tx) error { return createDomain(tx, d) })
}

// AddMailbox validates and creates a mailbox in an existing domain.
func (s *Service) AddMailbox(ctx context.Context, in MailboxInput) (Mailbox, error) {
	m, err := in.Validate(s.now())
	if err != nil {
		return Mailbox{}, err
	}
	var out Mailbox
	err = s.store.InDirectoryTx(ctx, func(tx Tx) (err error) {
		out, err = createMailbox(tx, m)
		return err
	})
	return out, err
}

// RemoveMailbox soft-deletes a mailbox at the given time (zero = now).
func (s *Service) RemoveMailbox(ctx context.Context, address string, at time.Time) error {
	if err := metering.CheckText("address", address); err != nil {
		return err
	}
	addr, err := metering.NormalizeAddress(address)
	if err != nil {
		return withField(err, "address")
	}
	if at.IsZero() {
		at = s.now()
	}
	return s.store.InDirectoryTx(ctx, func(tx Tx) error { return removeMailbox(tx, addr, at) })
}

// CustomerPatch changes some of a customer's fields; nil leaves one as it
// is. TaxBP sets the customer's tax rate override, ClearTaxBP removes it
// (back to the plan's rate).
type CustomerPatch struct {
	Name, Currency, Timezone, Plan                              *string
	LegalName, Address, PostalCode, City, Country, VATID, Email *string
	TaxBP                                                       *int64
	ClearTaxBP                                                  bool
	// PlanEffective is the day a Plan change takes effect (midnight UTC of
	// the date, taken in the customer's zone); zero = today. It needs a
	// plan history (WithPlanHistory).
	PlanEffective time.Time
}

// Details returns the billing details a patch sets, as a new customer's
// (fields it leaves out are empty).
func (p CustomerPatch) Details() BillingDetails {
	v := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	return BillingDetails{LegalName: v(p.LegalName), Address: v(p.Address), PostalCode: v(p.PostalCode), City: v(p.City),
		Country: v(p.Country), VATID: v(p.VATID), Email: v(p.Email), TaxBP: p.TaxBP}
}

// UpdateCustomer applies a patch, validated as a new customer would be; a
// plan it sets must be defined (a plan kept as it is is not checked again).
// With a plan history, a plan change is recorded effective from its day
// (p.PlanEffective, else today), and the customer's plan is that of its
// latest change.
func (s *Service) UpdateCustomer(ctx context.Context, id string, p CustomerPatch) (Customer, error) {
	if err := metering.CheckText("id", id); err != nil {
		return Customer{}, err
	}
	if p.Plan != nil {
		// The plans are read apart from the directory's transaction.
		if err := metering.CheckText("plan", *p.Plan); err != nil {
			return Customer{}, err
		}
		if err := s.checkPlan(ctx, strings.TrimSpace(*p.Plan)); err != nil {
			return Customer{}, err
		}
	}
	var out, cur Customer
	var change *planChange
	err := s.store.InDirectoryTx(ctx, func(tx Tx) (err error) {
		out, cur, change, err = s.updateCustomer(tx, id, p)
		return err
	})
	if err != nil || change == nil {
		return out, err
	}
	if err := s.changePlan(ctx, cur, change.plan, p.PlanEffective, change.today); err != nil {
		return Customer{}, err
	}
	return s.store.GetCustomer(ctx, id)
}

// planChange is a plan change an update leaves to the plan history.
type planChange struct {
	plan  string
	today time.Time
}

func (s *Service) updateCustomer(tx Tx, id string, p CustomerPatch) (Customer, Customer, *planChange, error) {
	cur, err := tx.Customer(id, Exclusive)
	if err == nil && cur.DeletedAt != nil {
		err = metering.Errorf(metering.NotFound, "customer %s does not exist", id)
	}
	if err != nil {
		return Customer{}, cur, nil, err
	}
	in := CustomerInput{ID: cur.ID, Name: cur.Name, Currency: cur.Currency, Timezone: cur.Timezone, Plan: cur.Plan, Billing: cur.Billing}
	b := &in.Billing
	for _, f := range []struct {
		to   *string
		from *string
	}{{&in.Name, p.Name}, {&in.Currency, p.Currency}, {&in.Timezone, p.Timezone}, {&in.Plan, p.Plan},
		{&b.LegalName, p.LegalName}, {&b.Address, p.Address}, {&b.PostalCode, p.PostalCode}, {&b.City, p.City},
		{&b.Country, p.Country}, {&b.VATID, p.VATID}, {&b.Email, p.Email}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	switch {
	case p.ClearTaxBP:
		b.TaxBP = nil
	case p.TaxBP != nil:
		b.TaxBP = p.TaxBP
	}
	c, err := in.Validate(cur.CreatedAt)
	if err != nil {
		return Customer{}, cur, nil, err
	}
	if s.history == nil || p.Plan == nil || c.Plan == cur.Plan && p.PlanEffective.IsZero() {
		if !p.PlanEffective.IsZero() {
			return Customer{}, cur, nil, metering.FieldError("effective", "an effective date goes with a plan change")
		}
		return c, cur, nil, tx.UpdateCustomer(c)
	}
	today, err := s.effectiveDay(cur, p.PlanEffective)
	if err != nil {
		return Customer{}, cur, nil, err
	}
	change := &planChange{plan: c.Plan, today: today}
	c.Plan = cur.Plan // set with its history
	return c, cur, change, tx.UpdateCustomer(c)
}

// RemoveCustomer soft-deletes a customer that owns no domain.
func (s *Service) RemoveCustomer(ctx context.Context, id string) error {
	if err := metering.CheckText("id", id); err != nil {
		return err
	}
	at := s.now()
	return s.store.InDirectoryTx(ctx, func(tx Tx) error { return removeCustomer(tx, id, at) })
}

// MoveDomain gives a domain to another existing customer. Usage stays with
// the mailboxes: the new customer sees the domain's whole history.
func (s *Service) MoveDomain(ctx context.Context, name, customerID string) (Domain, error) {
	d, err := DomainInput{Name: name, CustomerID: customerID}.Validate(s.now())
	if err != nil {
		return Domain{}, err
	}
	var out Domain
	err = s.store.InDirectoryTx(ctx, func(tx Tx) error {
		if err := moveDomain(tx, d.Name, d.CustomerID); err != nil {
			return err
		}
		out, err = tx.Domain(d.Name, NoLock)
		return err
	})
	return out, err
}

// RemoveDomain soft-deletes a domain with no active mailbox.
func (s *Service) RemoveDomain(ctx context.Context, name string) error {
	if err := metering.CheckText("domain", name); err != nil {
		return err
	}
	n, err := metering.NormalizeDomain(name)
	if err != nil {
		return withField(err, "domain")
	}
	at := s.now()
	return s.store.InDirectoryTx(ctx, func(tx Tx) error { return removeDomain(tx, n, at) })
}

// Import parses a CSV file and applies its good rows in one transaction.
// Rows that fail to parse or to apply, or whose customer's plan is not
// defined, are reported with their line number; re-importing the same file
// changes nothing.
func (s *Service) Import(ctx context.Context, rows []ImportRow, parseErrs []RowResult) (ImportReport, error) {
	rep := ImportReport{Rejected: parseErrs}
	good := rows[:0:0]
	for _, r := range rows {
		if r.Customer == nil {
			good = append(good, r)
			continue
		}
		if err := s.checkPlan(ctx, r.Customer.Plan); err != nil {
			rep.Rejected = append(rep.Rejected, RowResult{Line: r.Line, Err: err})
			continue
		}
		good = append(good, r)
	}
	var results []RowResult
	err := s.store.InDirectoryTx(ctx, func(tx Tx) (err error) {
		results, err = importRows(tx, good)
		return err
	})
	if err != nil {
		return ImportReport{}, err
	}
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

// Customer returns the active customer with the id, or NotFound.
func (s *Service) Customer(ctx context.Context, id string) (Customer, error) {
	return s.store.GetCustomer(ctx, id)
}

// ListCustomers pages through the active customers by id.
func (s *Service) ListCustomers(ctx context.Context, p Page) ([]Customer, error) {
	return s.store.ListCustomers(ctx, p)
}

// Domain returns the active domain, or NotFound.
func (s *Service) Domain(ctx context.Context, name string) (Domain, error) {
	return s.store.GetDomain(ctx, name)
}

// ListDomains pages through the active domains by name, a customer's only
// unless customerID is "".
func (s *Service) ListDomains(ctx context.Context, customerID string, p Page) ([]Domain, error) {
	return s.store.ListDomains(ctx, customerID, p)
}

// Mailbox returns the active mailbox with the address, or NotFound.
func (s *Service) Mailbox(ctx context.Context, address string) (Mailbox, error) {
	return s.store.GetMailbox(ctx, address)
}

// ListMailboxes pages through mailboxes by address.
func (s *Service) ListMailboxes(ctx context.Context, f MailboxFilter, p Page) ([]Mailbox, error) {
	return s.store.ListMailboxes(ctx, f, p)
}
