package billing

import (
	"context"
	"reflect"
	"sort"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/sla"
)

// Epoch is the day plans imported from the configuration, and plans added
// without an effective date, price from: every period.
var Epoch = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// PlanVersion is a plan as it prices from a day on, until the next
// version's day.
type PlanVersion struct {
	Plan // Name is the plan's id
	// EffectiveFrom is the first day it prices (midnight UTC of that
	// date; the day is taken in each customer's time zone).
	EffectiveFrom time.Time
	CreatedAt     time.Time
}

// PlanStore keeps plans and their versions. Errors are *metering.Error
// values.
type PlanStore interface {
	// PlanVersions returns a plan's versions by effective date, or
	// NotFound naming plan.
	PlanVersions(ctx context.Context, id string) ([]PlanVersion, error)
	// ListPlans pages through the plans' ids.
	ListPlans(ctx context.Context, p directory.Page) ([]string, error)
	// InPlanTx runs fn in one transaction, committed if fn returns nil.
	InPlanTx(ctx context.Context, fn func(PlanTx) error) error
}

// PlanTx is what changing a plan needs of one transaction.
type PlanTx interface {
	// CreatePlan stores a new plan with its first version: Conflict if
	// the id exists.
	CreatePlan(v PlanVersion) error
	// LockPlan returns a plan's versions by effective date, the plan
	// locked until the transaction ends; NotFound naming plan.
	LockPlan(id string) ([]PlanVersion, error)
	// PutPlanVersion stores v, replacing its plan's version of that day.
	PutPlanVersion(v PlanVersion) error
}

// InForce returns the version of versions (by effective date) in force on
// day (a date at midnight UTC); ok is false before the first.
func InForce(versions []PlanVersion, day time.Time) (PlanVersion, bool) {
	i := sort.Search(len(versions), func(i int) bool { return versions[i].EffectiveFrom.After(day) })
	if i == 0 {
		return PlanVersion{}, false
	}
	return versions[i-1], true
}

// Catalog is the plans customers are billed with: added, changed by new
// versions effective from a day, listed, and imported from the
// configuration.
type Catalog struct {
	store PlanStore
	now   func() time.Time
}

// NewCatalog returns the plans kept in store; now dates versions.
func NewCatalog(store PlanStore, now func() time.Time) *Catalog {
	return &Catalog{store: store, now: now}
}

// today is the current date at midnight UTC.
func (c *Catalog) today() time.Time { return dateOf(c.now().UTC()) }

func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Add creates a plan with its first version, effective from in.Effective
// (default Epoch: it prices every period). It returns Invalid naming the
// field, or Conflict if the plan exists.
func (c *Catalog) Add(ctx context.Context, in PlanInput) (PlanVersion, error) {
	v, err := in.plan(PlanVersion{EffectiveFrom: Epoch}, true)
	if err != nil {
		return PlanVersion{}, err
	}
	v.CreatedAt = c.now().UTC()
	return v, c.store.InPlanTx(ctx, func(tx PlanTx) error { return tx.CreatePlan(v) })
}

// Update adds a version of plan id effective from in.Effective (default
// today): the version in force that day with in's changes. Versions are
// appended: a day before the latest version's is Invalid naming
// effective, and the latest version's own day only while it is not yet in
// force (a correction of a scheduled change); a currency change is
// Invalid too. NotFound if there is no such plan.
func (c *Catalog) Update(ctx context.Context, id string, in PlanInput) (PlanVersion, error) {
	in.ID = id
	var out PlanVersion
	err := c.store.InPlanTx(ctx, func(tx PlanTx) error {
		vs, err := tx.LockPlan(id)
		if err != nil {
			return err
		}
		latest := vs[len(vs)-1]
		base := latest
		base.EffectiveFrom = c.today()
		v, err := in.plan(base, false)
		if err != nil {
			return err
		}
		switch {
		case v.EffectiveFrom.Before(latest.EffectiveFrom):
			return metering.FieldError("effective", "plan %s has a version from %s: a new version takes effect on that day or later",
				id, latest.EffectiveFrom.Format(time.DateOnly))
		case v.EffectiveFrom.Equal(latest.EffectiveFrom) && !latest.EffectiveFrom.After(c.today()):
			return metering.FieldError("effective", "plan %s's version of %s is in force already: a change takes effect on a later day",
				id, latest.EffectiveFrom.Format(time.DateOnly))
		}
		v.CreatedAt = c.now().UTC()
		out = v
		return tx.PutPlanVersion(v)
	})
	return out, err
}

// Versions returns a plan's versions by effective date, or NotFound.
func (c *Catalog) Versions(ctx context.Context, id string) ([]PlanVersion, error) {
	if err := metering.CheckText("plan", id); err != nil {
		return nil, err
	}
	return c.store.PlanVersions(ctx, id)
}

// Current returns the version of a plan in force today (its first if none
// is yet), with all its versions.
func (c *Catalog) Current(ctx context.Context, id string) (PlanVersion, []PlanVersion, error) {
	vs, err := c.Versions(ctx, id)
	if err != nil {
		return PlanVersion{}, nil, err
	}
	cur, ok := InForce(vs, c.today())
	if !ok {
		cur = vs[0]
	}
	return cur, vs, nil
}

// List pages through the plans by id, each as in force today.
func (c *Catalog) List(ctx context.Context, p directory.Page) ([]PlanVersion, error) {
	ids, err := c.store.ListPlans(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]PlanVersion, 0, len(ids))
	for _, id := range ids {
		v, _, err := c.Current(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// PlanExists implements directory.Plans: the plans in the database are
// the ones a customer may be given.
func (c *Catalog) PlanExists(ctx context.Context, name string) (bool, error) {
	_, err := c.store.PlanVersions(ctx, name)
	switch metering.KindOf(err) {
	case "":
		return true, nil
	case metering.NotFound:
		return false, nil
	}
	return false, err
}

// PlanTerms implements sla.PlanTerms: every plan's SLA as in force on
// day's date (in day's zone); a plan not in force yet is left out.
func (c *Catalog) PlanTerms(ctx context.Context, day time.Time) (map[string]sla.Terms, error) {
	out := map[string]sla.Terms{}
	p := directory.Page{Limit: 500}
	for {
		ids, err := c.store.ListPlans(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			vs, err := c.store.PlanVersions(ctx, id)
			if err != nil {
				return nil, err
			}
			if v, ok := InForce(vs, dateOf(day)); ok {
				out[id] = v.SLA.Terms()
			}
		}
		if len(ids) < p.Limit {
			return out, nil
		}
		p.After = ids[len(ids)-1]
	}
}

// SeedReport is what Seed did with each configured plan.
type SeedReport struct {
	Imported []string // added, as a version effective from Epoch
	Kept     []string // in the database already, as configured
	Differs  []string // in the database already, priced otherwise: the database's prices apply
}

// Seed imports configured plans the database lacks, each as one version
// effective from Epoch; plans it has are left as they are (the database
// is where plans change) and reported as kept or differing. Running it
// again imports nothing.
func (c *Catalog) Seed(ctx context.Context, plans []Plan) (SeedReport, error) {
	var rep SeedReport
	for _, p := range plans {
		if err := p.Validate(); err != nil {
			return rep, metering.FieldError("plan", "plan %s: %v", p.Name, err)
		}
		vs, err := c.store.PlanVersions(ctx, p.Name)
		switch {
		case metering.KindOf(err) == metering.NotFound:
			v := PlanVersion{Plan: p, EffectiveFrom: Epoch, CreatedAt: c.now().UTC()}
			err = c.store.InPlanTx(ctx, func(tx PlanTx) error { return tx.CreatePlan(v) })
			if metering.KindOf(err) == metering.Conflict { // imported by a concurrent start
				rep.Kept = append(rep.Kept, p.Name)
				continue
			}
			if err != nil {
				return rep, err
			}
			rep.Imported = append(rep.Imported, p.Name)
		case err != nil:
			return rep, err
		case len(vs) == 1 && vs[0].EffectiveFrom.Equal(Epoch) && reflect.DeepEqual(normalized(vs[0].Plan), normalized(p)):
			rep.Kept = append(rep.Kept, p.Name)
		default:
			rep.Differs = append(rep.Differs, p.Name)
		}
	}
	return rep, nil
}

// normalized treats empty and nil tier lists alike, for comparison.
func normalized(p Plan) Plan {
	if len(p.StorageTiers) == 0 {
		p.StorageTiers = nil
	}
	if len(p.TransferTiers) == 0 {
		p.TransferTiers = nil
	}
	p.SLA = SLAOf(p.SLA.Terms()) // as stored
	return p
}
