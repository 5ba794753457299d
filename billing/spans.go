package billing

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
)

// plansOver returns the plans a customer had over time.
func (r *Runner) plansOver(ctx context.Context, c directory.Customer) ([]directory.PlanChange, error) {
	if r.src.History == nil {
		return []directory.PlanChange{{Plan: c.Plan, EffectiveFrom: directory.PlanEpoch}}, nil
	}
	return directory.PlansOver(ctx, r.src.History, c)
}

func anyPlan(changes []directory.PlanChange) bool {
	for _, ch := range changes {
		if ch.Plan != "" {
			return true
		}
	}
	return false
}

// inZone is the start of a day (a date at midnight UTC) in loc.
func inZone(day time.Time, loc *time.Location) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
}

// spansOf returns the plan versions in force over a customer's period:
// each plan it had, cut where the plan's price changed, days taken in the
// customer's zone; neighbours priced alike are one span. It returns
// Conflict naming plan for a plan not defined or without a version in
// force then, naming currency for one priced in another currency than
// the customer's.
func (r *Runner) spansOf(ctx context.Context, c directory.Customer, changes []directory.PlanChange, per Period) ([]PlanSpan, error) {
	loc := per.From.Location()
	var out []PlanSpan
	for i, ch := range changes {
		from, to := later(inZone(ch.EffectiveFrom, loc), per.From), per.To
		if i+1 < len(changes) {
			to = earlier(inZone(changes[i+1].EffectiveFrom, loc), per.To)
		}
		if ch.Plan == "" || !from.Before(to) {
			continue
		}
		vs, err := r.versionsOf(ctx, c, ch.Plan)
		if err != nil {
			return nil, err
		}
		for j, v := range vs {
			vfrom, vto := later(inZone(v.EffectiveFrom, loc), from), to
			if j+1 < len(vs) {
				vto = earlier(inZone(vs[j+1].EffectiveFrom, loc), to)
			}
			if j == 0 && vfrom.After(from) {
				return nil, &metering.Error{Kind: metering.Conflict, Field: "plan", Message: fmt.Sprintf(
					"customer %s has plan %s on %s, before the plan's first version (%s)", c.ID, ch.Plan, from.Format(time.DateOnly), v.EffectiveFrom.Format(time.DateOnly))}
			}
			if vfrom.Before(vto) {
				out = appendSpan(out, PlanSpan{Plan: v.Plan, From: vfrom, To: vto})
			}
		}
	}
	return out, nil
}

// appendSpan appends sp, or extends the last span when it prices alike
// and sp follows it.
func appendSpan(spans []PlanSpan, sp PlanSpan) []PlanSpan {
	if n := len(spans); n > 0 && spans[n-1].To.Equal(sp.From) && reflect.DeepEqual(normalized(spans[n-1].Plan), normalized(sp.Plan)) {
		spans[n-1].To = sp.To
		return spans
	}
	return append(spans, sp)
}

// versionsOf returns a customer's plan's versions, checked against the
// customer's currency.
func (r *Runner) versionsOf(ctx context.Context, c directory.Customer, plan string) ([]PlanVersion, error) {
	vs, err := r.src.Plans.PlanVersions(ctx, plan)
	if metering.KindOf(err) == metering.NotFound {
		return nil, &metering.Error{Kind: metering.Conflict, Field: "plan",
			Message: fmt.Sprintf("customer %s has plan %q, which is not defined (mailmeter plan add)", c.ID, plan)}
	}
	if err != nil {
		return nil, err
	}
	if cur := vs[0].Currency; cur != c.Currency {
		return nil, &metering.Error{Kind: metering.Conflict, Field: "currency",
			Message: fmt.Sprintf("customer %s is billed in %s but plan %s is priced in %s", c.ID, c.Currency, plan, cur)}
	}
	return vs, nil
}
