package directory

import (
	"context"
	"slices"

	"github.com/mailmeter/mailmeter/metering"
)

// Plans says which plan names a customer may be given. The configured
// billing plans answer today (cmd wires them in); plans may later live in
// the database, hence the context and the error.
type Plans interface {
	// PlanExists reports whether a plan of that name is defined. An error
	// means it could not be told (the plan is then refused).
	PlanExists(ctx context.Context, name string) (bool, error)
}

// PlanNames is a fixed set of defined plans, e.g. the configured ones.
type PlanNames []string

// PlanExists implements Plans.
func (p PlanNames) PlanExists(_ context.Context, name string) (bool, error) {
	return slices.Contains(p, name), nil
}

// checkPlan returns an Invalid error naming the plan field when plan is
// set but not defined. Without Plans every name is accepted.
func (s *Service) checkPlan(ctx context.Context, plan string) error {
	if plan == "" || s.plans == nil {
		return nil
	}
	ok, err := s.plans.PlanExists(ctx, plan)
	if err != nil {
		return err
	}
	if !ok {
		return metering.FieldError("plan", "plan %q is not defined", plan)
	}
	return nil
}
