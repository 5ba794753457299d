package quota

import (
	"context"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// Limits are one mailbox's limits. Zero means "no limit". A soft limit
// warns; a hard limit refuses. Grace is how long a mailbox may stay over its
// hard limit before enforcement refuses mail (0 = at once).
type Limits struct {
	Mailbox             string
	StorageSoft         int64 // bytes
	StorageHard         int64
	MessagesSoft        int64
	MessagesHard        int64
	OutBytesPerDay      int64 // bytes sent per UTC day
	OutRecipientsPerDay int64 // recipients per UTC day
	Grace               time.Duration
	UpdatedAt           time.Time
}

// LimitsInput is what setting a mailbox's limits takes; field names in
// errors are those of the API.
type LimitsInput struct {
	Mailbox             string
	StorageSoft         int64
	StorageHard         int64
	MessagesSoft        int64
	MessagesHard        int64
	OutBytesPerDay      int64
	OutRecipientsPerDay int64
	GraceSeconds        int64
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
		Grace: time.Duration(in.GraceSeconds) * time.Second, UpdatedAt: now.UTC(),
	}, nil
}

// Usage is a mailbox's current usage as quotas see it: its latest storage
// (the mailbox total) and what it sent on Day (a UTC day).
type Usage struct {
	Mailbox         string
	StorageBytes    int64
	StorageMessages int64
	StorageHour     time.Time // hour of the storage observation
	Day             time.Time // UTC midnight the outbound figures belong to
	OutBytes        int64
	OutRecipients   int64
}

// Store persists limits and reads current usage. Errors are
// *metering.Error values.
type Store interface {
	// GetLimits returns a mailbox's limits, or NotFound if none are set.
	GetLimits(ctx context.Context, mailbox string) (Limits, error)
	// PutLimits creates or replaces a mailbox's limits.
	PutLimits(ctx context.Context, l Limits) error
	// ListLimits returns every mailbox's limits.
	ListLimits(ctx context.Context) ([]Limits, error)
	// CurrentUsage returns, per mailbox, the latest mailbox-total storage
	// gauges and the outbound counters of hours from day (a UTC midnight) on.
	CurrentUsage(ctx context.Context, day time.Time) ([]Usage, error)
}
