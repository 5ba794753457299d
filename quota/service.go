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

// Limits returns a mailbox's limits (all zero when none are set), or
// NotFound if the mailbox does not exist.
func (s *Service) Limits(ctx context.Context, mailbox string) (Limits, error) {
	if _, err := s.dir.GetMailbox(ctx, mailbox); err != nil {
		return Limits{}, err
	}
	l, err := s.store.GetLimits(ctx, mailbox)
	if metering.KindOf(err) == metering.NotFound {
		return Limits{Mailbox: mailbox}, nil
	}
	return l, err
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

// Quota returns a mailbox's quota picture from the in-memory view.
func (s *Service) Quota(ctx context.Context, mailbox string) (Report, error) {
	return s.view.Report(ctx, mailbox)
}
