package billing

import (
	"context"
	"time"
)

// Estimate is a customer's invoice of its current month (in its time
// zone) as it stands now: computed like a run's draft, stored nowhere.
// Skipped says why there is none (no plan, no mailbox in the month).
type Estimate struct {
	Customer string
	Name     string
	Invoice  Invoice
	Skipped  string
}

// Estimates computes the month-to-date invoice of customers ("" = all
// that are not removed) without storing anything. A customer that cannot
// be billed is reported in the failures, as by Run; the error is for the
// whole (NotFound for a named customer that does not exist).
func (r *Runner) Estimates(ctx context.Context, customers []string) ([]Estimate, []Failure, error) {
	now := r.now().UTC()
	cs, err := r.customers(ctx, now.Year(), now.Month(), customers)
	if err != nil {
		return nil, nil, err
	}
	var out []Estimate
	var fails []Failure
	levels := newLevelCache(r.src.Levels) // customers of one zone share a month
	for _, c := range cs {
		if c.DeletedAt != nil && !c.DeletedAt.After(now) {
			continue
		}
		loc, err := time.LoadLocation(c.Timezone)
		if err != nil {
			fails = append(fails, Failure{Customer: c.ID, Err: err})
			continue
		}
		year, month, _ := now.In(loc).Date()
		o, inv, none, err := r.price(ctx, c, year, month, levels)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			fails = append(fails, Failure{Customer: c.ID, ID: o.ID, Err: err})
			continue
		}
		e := Estimate{Customer: c.ID, Name: c.Name, Invoice: inv, Skipped: o.Skipped}
		if none != "" {
			e.Skipped = none
		}
		out = append(out, e)
	}
	return out, fails, nil
}
