package directory

import (
	"context"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// PlanChange is a customer's plan from a day on, until its next change.
type PlanChange struct {
	Plan string // "" = none
	// EffectiveFrom is the first day (midnight UTC of the date; the day
	// is taken in the customer's time zone).
	EffectiveFrom time.Time
}

// PlanEpoch is the day a customer's first plan is in force from: a plan
// given at creation prices every period.
var PlanEpoch = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// PlanHistory keeps customers' plans over time. Errors are
// *metering.Error values.
type PlanHistory interface {
	// PlanChanges returns a customer's plan changes by day; none for a
	// customer whose plan never changed (its plan is then in force since
	// PlanEpoch).
	PlanChanges(ctx context.Context, customer string) ([]PlanChange, error)
	// ChangePlan records ch, replacing a change of the same day, and sets
	// the customer's plan to that of its latest change, in one
	// transaction; NotFound if there is no such customer.
	ChangePlan(ctx context.Context, customer string, ch PlanChange) error
}

// PlansOver returns a customer's plan changes, or its plan since
// PlanEpoch when it has none recorded: the plans it had over time.
func PlansOver(ctx context.Context, h PlanHistory, c Customer) ([]PlanChange, error) {
	chs, err := h.PlanChanges(ctx, c.ID)
	if err != nil || len(chs) > 0 {
		return chs, err
	}
	return []PlanChange{{Plan: c.Plan, EffectiveFrom: PlanEpoch}}, nil
}

// effectiveDay checks the day a plan change takes effect (zero = none
// given) and returns today in the customer's time zone; Invalid after
// today.
func (s *Service) effectiveDay(cur Customer, from time.Time) (time.Time, error) {
	loc, err := time.LoadLocation(cur.Timezone)
	if err != nil {
		loc = time.UTC
	}
	local := s.now().In(loc)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	if from.After(today) {
		return today, metering.FieldError("effective", "a plan change takes effect on %s or earlier (today in %s), not %s",
			today.Format(time.DateOnly), cur.Timezone, from.Format(time.DateOnly))
	}
	return today, nil
}

// changePlan records a customer's change of plan from a day (zero =
// today); the first change also records the plan it had since PlanEpoch,
// and the first plan of a customer that had none is, without a day, in
// force since PlanEpoch as a plan given at creation is.
func (s *Service) changePlan(ctx context.Context, cur Customer, plan string, from, today time.Time) error {
	chs, err := s.history.PlanChanges(ctx, cur.ID)
	if err != nil {
		return err
	}
	switch {
	case !from.IsZero():
	case len(chs) == 0 && cur.Plan == "":
		from = PlanEpoch
	default:
		from = today
	}
	if len(chs) == 0 && cur.Plan != "" && from.After(PlanEpoch) {
		if err := s.history.ChangePlan(ctx, cur.ID, PlanChange{Plan: cur.Plan, EffectiveFrom: PlanEpoch}); err != nil {
			return err
		}
	}
	return s.history.ChangePlan(ctx, cur.ID, PlanChange{Plan: plan, EffectiveFrom: from})
}
