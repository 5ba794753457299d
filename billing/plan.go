package billing

import (
	"errors"
	"fmt"
	"strings"
)

// Plan is what a customer pays: per mailbox, per domain, for storage and
// transfer over what is included, at least a minimum. Money is in minor
// units of Currency; every fee, inclusion and tier bound is for a whole
// period and prorated by the time a mailbox, domain or the plan itself
// was in force in it.
type Plan struct {
	Name     string
	Currency string // ISO 4217
	// MonthlyFee per mailbox for a whole period (the mailbox fee);
	// prorated by the seconds a mailbox existed in it.
	MonthlyFee Money
	// DomainFee per domain in use (one of its mailboxes existed), prorated
	// by the seconds one did.
	DomainFee Money
	// MinimumCharge is the least the plan bills a period: when its
	// charges (fees, storage, transfer) come to less, a LineMinimum adds
	// the difference. Prorated by the time the plan was in force.
	MinimumCharge Money
	// IncludedStorage bytes per mailbox (prorated like the fee); the mean
	// of daily peaks above it bills StoragePerGBMonth per GB, or
	// StorageTiers. StoragePooled pools the inclusion of every mailbox of
	// the customer: one line for the customer's storage over the pool.
	IncludedStorage   int64
	StoragePooled     bool
	StoragePerGBMonth Money
	StorageTiers      []Tier
	// IncludedTransfer bytes per mailbox and period (in + out, prorated);
	// above it each GB bills TransferPerGB, or TransferTiers.
	IncludedTransfer int64
	TransferPerGB    Money
	TransferTiers    []Tier
	TaxBasisPoints   int64 // 1900 = 19 %
	SLA              SLA
}

// Tier is one step of graduated overage pricing: the GB over the
// included, up to UpToGB counted from the first GB over (0 = without
// bound, the last tier), bill PerGB each. Tiers are in increasing order;
// the bounds are prorated like the inclusions.
type Tier struct {
	UpToGB int64 `json:"up_to_gb"`
	PerGB  Money `json:"per_gb"`
}

// storageTiers is the storage price as tiers: StorageTiers, or one tier
// of StoragePerGBMonth.
func (p Plan) storageTiers() []Tier {
	if len(p.StorageTiers) > 0 {
		return p.StorageTiers
	}
	return []Tier{{PerGB: p.StoragePerGBMonth}}
}

func (p Plan) transferTiers() []Tier {
	if len(p.TransferTiers) > 0 {
		return p.TransferTiers
	}
	return []Tier{{PerGB: p.TransferPerGB}}
}

// Validate checks a plan's figures.
func (p Plan) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if p.Name == "" {
		bad("name is required")
	}
	if _, ok := Exponent(p.Currency); !ok || strings.ToUpper(p.Currency) != p.Currency {
		bad("currency %q: want an ISO 4217 code such as EUR, JPY or BHD", p.Currency)
	}
	for name, v := range map[string]int64{"mailbox_fee": int64(p.MonthlyFee), "domain_fee": int64(p.DomainFee),
		"minimum_charge": int64(p.MinimumCharge), "included_storage": p.IncludedStorage,
		"storage_per_gb_month": int64(p.StoragePerGBMonth), "included_transfer": p.IncludedTransfer,
		"transfer_per_gb": int64(p.TransferPerGB), "tax_bp": p.TaxBasisPoints} {
		if v < 0 {
			bad("%s must not be negative", name)
		}
	}
	if p.TaxBasisPoints > 10000 {
		bad("tax_bp: at most 10000 (100 %%)")
	}
	checkTiers := func(name string, tiers []Tier, flat Money) {
		if len(tiers) > 0 && flat != 0 {
			bad("%s_tiers and the flat %s price exclude each other", name, name)
		}
		for i, t := range tiers {
			switch {
			case t.PerGB < 0 || t.UpToGB < 0:
				bad("%s_tiers[%d]: amounts and bounds must not be negative", name, i)
			case t.UpToGB == 0 && i != len(tiers)-1:
				bad("%s_tiers[%d]: only the last tier may be without bound", name, i)
			case i > 0 && t.UpToGB != 0 && t.UpToGB <= tiers[i-1].UpToGB:
				bad("%s_tiers[%d]: bounds must increase", name, i)
			}
		}
	}
	checkTiers("storage", p.StorageTiers, p.StoragePerGBMonth)
	checkTiers("transfer", p.TransferTiers, p.TransferPerGB)
	errs = append(errs, p.SLA.validate()...)
	return errors.Join(errs...)
}

func (s SLA) validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if s.AvailabilityTargetPPM < 0 || s.AvailabilityTargetPPM > 1e6 || s.LatencySharePPM < 0 || s.LatencySharePPM > 1e6 {
		bad("sla targets are parts per million, 0 to 1000000")
	}
	if s.CapBP < 0 || s.CapBP > 10000 || s.LatencyCreditBP < 0 || s.LatencyCreditBP > 10000 {
		bad("sla credits are basis points, 0 to 10000")
	}
	for i, t := range s.Tiers {
		if t.BelowPPM <= 0 || t.BelowPPM > 1e6 || t.CreditBP < 0 || t.CreditBP > 10000 {
			bad("sla tier %d: below_ppm 1..1000000, credit_bp 0..10000", i)
		}
	}
	if s.LatencySharePPM > 0 && s.LatencyTarget <= 0 {
		bad("sla latency_target is required with latency_share_ppm")
	}
	if len(s.Services) > 0 && (s.AvailabilityTargetPPM > 0 || len(s.Tiers) > 0) {
		bad("sla: give either services (each with its terms) or a plan-wide availability_ppm and tiers")
	}
	if err := s.Terms().Validate(); err != nil {
		bad("sla %v", err)
	}
	return errs
}
