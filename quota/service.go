package quota

import (
	"context"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// Service reads and sets mailbox limits and answers quota questions.
type Service struct {
	store Store
	view  *View
	dir   Mailboxes
	now   func() time.Time
}

// NewService returns a Service persisting limits in store and keeping view
// current.
func NewService(store Store, view *View, dir Mailboxes, now func() time.Time) *Service {
	return &Service{store: store, view: view, dir: dir, now: now}
}

// AppliedLimits are a mailbox's limits as they apply, and where they come
// from: SourceMailbox (its own), SourcePlan (Plan's) or SourceNone.
type AppliedLimits struct {
	Limits
	Source string
	Plan   string // the mailbox's customer's plan, if any
}

// Limits returns a mailbox's limits as they apply (all zero when none
// are), or NotFound if the mailbox does not exist.
func (s *Service) Limits(ctx context.Context, mailbox string) (AppliedLimits, error) {
	if _, err := s.dir.GetMailbox(ctx, mailbox); err != nil {
		return AppliedLimits{}, err
	}
	l, src, plan := s.view.Limits(mailbox)
	return AppliedLimits{Limits: l, Source: src, Plan: plan}, nil
}

// DeleteLimits removes a mailbox's own limits: its plan's apply. It
// returns NotFound if the mailbox has none of its own.
func (s *Service) DeleteLimits(ctx context.Context, mailbox string) error {
	if err := s.store.DeleteLimits(ctx, mailbox); err != nil {
		return err
	}
	s.view.DeleteLimits(mailbox)
	return nil
}

// PlanLimits returns a plan's limits, or NotFound.
func (s *Service) PlanLimits(ctx context.Context, plan string) (PlanLimits, error) {
	return s.store.GetPlanLimits(ctx, plan)
}

// SetPlanLimits validates and stores a plan's limits (any plan name: a
// customer's plan may be set before or after).
func (s *Service) SetPlanLimits(ctx context.Context, plan string, in LimitsInput) (PlanLimits, error) {
	p, err := ValidatePlan(plan, in, s.now())
	if err != nil {
		return PlanLimits{}, err
	}
	if err := s.store.PutPlanLimits(ctx, p); err != nil {
		return PlanLimits{}, err
	}
	s.view.SetPlanLimits(p)
	return p, nil
}

// SetLimits validates and stores a mailbox's limits. It returns Invalid
// naming the field, or NotFound if the mailbox does not exist.
func (s *Service) SetLimits(ctx context.Context, in LimitsInput) (Limits, error) {
	l, err := in.Validate(s.now())
	if err != nil {
		return Limits{}, err
	}
	if _, err := s.dir.GetMailbox(ctx, l.Mailbox); err != nil {
		return Limits{}, err
	}
	if err := s.store.PutLimits(ctx, l); err != nil {
		return Limits{}, err
	}
	s.view.SetLimits(l)
	return l, nil
}

// Quota returns a mailbox's quota picture from the in-memory view. A
// mailbox the view does not know yet (added since its last refresh) is
// looked up in the directory, and the view learns it.
func (s *Service) Quota(ctx context.Context, mailbox string) (Report, error) {
	r, err := s.view.Report(ctx, mailbox)
	if metering.KindOf(err) != metering.NotFound {
		return r, err
	}
	if _, err := s.dir.GetMailbox(ctx, mailbox); err != nil {
		return Report{}, err
	}
	s.view.Known(mailbox)
	return s.view.Report(ctx, mailbox)
}
