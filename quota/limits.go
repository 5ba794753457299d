package quota

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// Limits are one mailbox's limits. Zero means "no limit". A soft limit
// warns; a hard limit refuses. Grace is how long a mailbox may stay over its
// hard limit before enforcement refuses mail (0 = at once).
type Limits struct {
	Mailbox               string
	StorageSoft           int64 // bytes
	StorageHard           int64
	MessagesSoft          int64
	MessagesHard          int64
	OutBytesPerDay        int64 // bytes sent per UTC day
	OutRecipientsPerDay   int64 // recipients per UTC day
	OutBytesPerMonth      int64 // bytes sent per UTC calendar month
	OutRecipientsPerMonth int64 // recipients per UTC calendar month
	Grace                 time.Duration
	UpdatedAt             time.Time
}

// LimitsInput is what setting a mailbox's limits takes; field names in
// errors are those of the API.
type LimitsInput struct {
	Mailbox               string
	StorageSoft           int64
	StorageHard           int64
	MessagesSoft          int64
	MessagesHard          int64
	OutBytesPerDay        int64
	OutRecipientsPerDay   int64
	OutBytesPerMonth      int64
	OutRecipientsPerMonth int64
	GraceSeconds          int64
}

// Validate checks the input: no negative value, a hard limit not below its
// soft limit. It returns the Limits it describes, or an Invalid error naming
// the field.
func (in LimitsInput) Validate(now time.Time) (Limits, error) {
	addr, err := metering.NormalizeAddress(in.Mailbox)
	if err != nil {
		return Limits{}, &metering.Error{Kind: metering.Invalid, Field: "address", Message: err.Error()}
	}
	nonNeg := []struct {
		field string
		v     int64
	}{
		{"storage_soft_bytes", in.StorageSoft}, {"storage_hard_bytes", in.StorageHard},
		{"messages_soft", in.MessagesSoft}, {"messages_hard", in.MessagesHard},
		{"outbound_bytes_per_day", in.OutBytesPerDay}, {"outbound_recipients_per_day", in.OutRecipientsPerDay},
		{"outbound_bytes_per_month", in.OutBytesPerMonth}, {"outbound_recipients_per_month", in.OutRecipientsPerMonth},
		{"grace_seconds", in.GraceSeconds},
	}
	for _, f := range nonNeg {
		if f.v < 0 {
			return Limits{}, metering.FieldError(f.field, "%s must not be negative", f.field)
		}
	}
	if in.StorageHard > 0 && in.StorageSoft > in.StorageHard {
		return Limits{}, metering.FieldError("storage_hard_bytes", "storage_hard_bytes (%d) is below storage_soft_bytes (%d)", in.StorageHard, in.StorageSoft)
	}
	if in.MessagesHard > 0 && in.MessagesSoft > in.MessagesHard {
		return Limits{}, metering.FieldError("messages_hard", "messages_hard (%d) is below messages_soft (%d)", in.MessagesHard, in.MessagesSoft)
	}
	return Limits{
		Mailbox: addr, StorageSoft: in.StorageSoft, StorageHard: in.StorageHard,
		MessagesSoft: in.MessagesSoft, MessagesHard: in.MessagesHard,
		OutBytesPerDay: in.OutBytesPerDay, OutRecipientsPerDay: in.OutRecipientsPerDay,
		OutBytesPerMonth: in.OutBytesPerMonth, OutRecipientsPerMonth: in.OutRecipientsPerMonth,
		Grace: GraceOf(in.GraceSeconds), UpdatedAt: now.UTC(),
	}, nil
}

// GraceOf converts a grace in seconds to a Duration without wrapping: a
// grace longer than a Duration holds (about 292 years) is that long, in
// effect for ever; a negative one is none.
func GraceOf(seconds int64) time.Duration {
	switch {
	case seconds <= 0:
		return 0
	case seconds > int64(math.MaxInt64/time.Second):
		return math.MaxInt64
	}
	return time.Duration(seconds) * time.Second
}

// Usage is a mailbox's current usage as quotas see it: its latest storage
// (the mailbox total) and what it sent on Day (a UTC day) and in Month (a
// UTC calendar month).
type Usage struct {
	Mailbox            string
	StorageBytes       int64
	StorageMessages    int64
	StorageHour        time.Time // hour of the storage observation
	Day                time.Time // UTC midnight the daily outbound figures belong to
	OutBytes           int64
	OutRecipients      int64
	Month              time.Time // first instant (UTC) of the month the monthly figures belong to
	MonthOutBytes      int64
	MonthOutRecipients int64
}

// PlanLimits are a plan's limits: those of every mailbox of the plan's
// customers that has none of its own (Limits.Mailbox is empty).
type PlanLimits struct {
	Plan string
	Limits
}

// ValidatePlan checks a plan's limits input (its Mailbox is ignored).
func ValidatePlan(plan string, in LimitsInput, now time.Time) (PlanLimits, error) {
	plan = strings.TrimSpace(plan)
	if plan == "" || len(plan) > 64 {
		return PlanLimits{}, metering.FieldError("plan", "plan name must be 1 to 64 characters")
	}
	in.Mailbox = "plan@plan.invalid" // not a mailbox: only the values are checked
	l, err := in.Validate(now)
	if err != nil {
		return PlanLimits{}, err
	}
	l.Mailbox = ""
	return PlanLimits{Plan: plan, Limits: l}, nil
}

// Store persists limits and reads current usage. Errors are
// *metering.Error values.
type Store interface {
	// GetLimits returns a mailbox's own limits, or NotFound if none are set.
	GetLimits(ctx context.Context, mailbox string) (Limits, error)
	// PutLimits creates or replaces a mailbox's limits.
	PutLimits(ctx context.Context, l Limits) error
	// DeleteLimits removes a mailbox's own limits (its plan's apply), or
	// returns NotFound.
	DeleteLimits(ctx context.Context, mailbox string) error
	// ListLimits returns every mailbox's own limits.
	ListLimits(ctx context.Context) ([]Limits, error)
	// GetPlanLimits returns a plan's limits, or NotFound.
	GetPlanLimits(ctx context.Context, plan string) (PlanLimits, error)
	// PutPlanLimits creates or replaces a plan's limits.
	PutPlanLimits(ctx context.Context, p PlanLimits) error
	// ListPlanLimits returns every plan's limits.
	ListPlanLimits(ctx context.Context) ([]PlanLimits, error)
	// MailboxPlans returns the plan of every active mailbox whose customer
	// has one.
	MailboxPlans(ctx context.Context) (map[string]string, error)
	// OverSince returns when each mailbox over its hard storage limit was
	// first seen so, as recorded by any process.
	OverSince(ctx context.Context) (map[string]time.Time, error)
	// MarkOver records since for a mailbox unless one is recorded, and
	// returns the recorded moment.
	MarkOver(ctx context.Context, mailbox string, since time.Time) (time.Time, error)
	// ClearOver forgets a mailbox's moment (it went below its limit).
	ClearOver(ctx context.Context, mailbox string) error
	// CurrentUsage returns, per mailbox, the latest mailbox-total storage
	// gauges, the outbound counters of hours from day (a UTC midnight) on,
	// and those from the start of day's month on.
	CurrentUsage(ctx context.Context, day time.Time) ([]Usage, error)
}
