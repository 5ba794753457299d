package billing

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// PlanInput is what adding a plan or a version of it takes, as people
// write it: amounts are decimals of the currency's major unit ("4.00",
// "0.20"; no more decimals than ISO 4217 gives it), the tax rate a
// percentage ("19", "7.7"), sizes bytes. For a new version, what is left
// out ("" or nil) is kept from the version in force that day.
type PlanInput struct {
	ID                string
	Currency          string
	MailboxFee        string
	DomainFee         string
	MinimumCharge     string
	IncludedStorage   *int64
	StoragePooled     *bool
	StoragePerGBMonth string
	StorageTiers      []TierInput // nil: keep; empty: none
	IncludedTransfer  *int64
	TransferPerGB     string
	TransferTiers     []TierInput
	TaxRate           string
	SLA               *SLA
	Effective         string // YYYY-MM-DD
}

// TierInput is a Tier as people write it: "up to 10 GB at 0.10".
type TierInput struct {
	UpToGB int64  // 0 = without bound (the last tier)
	PerGB  string // decimal
}

// plan applies the input over base (the version it starts from), checks
// it and returns the version it describes, or an Invalid error naming the
// field.
func (in PlanInput) plan(base PlanVersion, isNew bool) (PlanVersion, error) {
	if err := metering.CheckTexts("id", in.ID, "currency", in.Currency, "mailbox_fee", in.MailboxFee, "domain_fee", in.DomainFee,
		"minimum_charge", in.MinimumCharge, "storage_per_gb_month", in.StoragePerGBMonth, "transfer_per_gb", in.TransferPerGB,
		"tax_rate", in.TaxRate, "effective", in.Effective); err != nil {
		return PlanVersion{}, err
	}
	v := base
	v.Name = strings.TrimSpace(in.ID)
	if err := checkPlanID(v.Name); err != nil {
		return PlanVersion{}, err
	}
	cur := strings.ToUpper(strings.TrimSpace(in.Currency))
	switch {
	case isNew && cur == "":
		return PlanVersion{}, metering.FieldError("currency", "currency is required (an ISO 4217 code such as EUR)")
	case isNew:
		if err := CheckCurrency("currency", cur); err != nil {
			return PlanVersion{}, err
		}
		v.Currency = cur
	case cur != "" && cur != v.Currency:
		return PlanVersion{}, metering.FieldError("currency", "plan %s is priced in %s: a plan's currency does not change (add another plan)", v.Name, v.Currency)
	}
	for _, f := range []struct {
		field string
		s     string
		dst   *Money
	}{{"mailbox_fee", in.MailboxFee, &v.MonthlyFee}, {"domain_fee", in.DomainFee, &v.DomainFee}, {"minimum_charge", in.MinimumCharge, &v.MinimumCharge},
		{"storage_per_gb_month", in.StoragePerGBMonth, &v.StoragePerGBMonth}, {"transfer_per_gb", in.TransferPerGB, &v.TransferPerGB}} {
		if err := amountInto(f.field, f.s, v.Currency, f.dst); err != nil {
			return PlanVersion{}, err
		}
	}
	var err error
	if v.StorageTiers, err = tiersOf("storage_tiers", in.StorageTiers, v.StorageTiers, v.Currency); err != nil {
		return PlanVersion{}, err
	}
	if v.TransferTiers, err = tiersOf("transfer_tiers", in.TransferTiers, v.TransferTiers, v.Currency); err != nil {
		return PlanVersion{}, err
	}
	set(&v.IncludedStorage, in.IncludedStorage)
	set(&v.IncludedTransfer, in.IncludedTransfer)
	set(&v.StoragePooled, in.StoragePooled)
	if in.SLA != nil {
		v.SLA = *in.SLA
	}
	if in.TaxRate != "" {
		if v.TaxBasisPoints, err = ParsePercent(in.TaxRate); err != nil {
			return PlanVersion{}, metering.FieldError("tax_rate", "%v", err)
		}
	}
	if in.Effective != "" {
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(in.Effective))
		if err != nil {
			return PlanVersion{}, metering.FieldError("effective", "effective date %q: want YYYY-MM-DD", in.Effective)
		}
		v.EffectiveFrom = d
	}
	if err := v.Plan.Validate(); err != nil {
		return PlanVersion{}, metering.FieldError("plan", "plan %s: %s", v.Name, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return v, nil
}

// checkPlanID allows ids as customers' are: 1 to 64 letters, digits,
// '-', '_' and '.'.
func checkPlanID(id string) error {
	if id == "" || len(id) > 64 {
		return metering.FieldError("id", "plan id must be 1 to 64 characters")
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.", c)) {
			return metering.FieldError("id", "plan id %q: only letters, digits, '-', '_' and '.' are allowed", id)
		}
	}
	return nil
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// amountInto parses s ("" = keep) into dst, refusing negative amounts.
func amountInto(field, s, currency string, dst *Money) error {
	if s == "" {
		return nil
	}
	m, err := ParseMoney(strings.TrimSpace(s), currency)
	if err != nil {
		return metering.FieldError(field, "%s: %v", field, err)
	}
	if m < 0 {
		return metering.FieldError(field, "%s must not be negative", field)
	}
	*dst = m
	return nil
}

func tiersOf(field string, in []TierInput, keep []Tier, currency string) ([]Tier, error) {
	if in == nil {
		return keep, nil
	}
	out := make([]Tier, len(in))
	for i, t := range in {
		out[i].UpToGB = t.UpToGB
		if err := amountInto(fmt.Sprintf("%s[%d].per_gb", field, i), t.PerGB, currency, &out[i].PerGB); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// ParsePercent reads a percentage ("19", "7.7", "19.00") into basis
// points, at most two decimals, 0 to 100.
func ParsePercent(s string) (int64, error) {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
	_, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	if !ok || strings.ContainsAny(s, "eE/") || len(strings.TrimRight(frac, "0")) > 2 {
		return 0, fmt.Errorf("rate %q: want a percentage with at most two decimals, such as 19 or 7.7", s)
	}
	bp := new(big.Rat).Mul(r, big.NewRat(100, 1))
	if bp.Sign() < 0 || bp.Cmp(big.NewRat(10000, 1)) > 0 {
		return 0, fmt.Errorf("rate %q: want 0 to 100", s)
	}
	return bp.Num().Int64(), nil
}

// ParseTiers reads tiers written "10:0.10,20:0.05,:0.01" (up to 10 GB at
// 0.10, up to 20 at 0.05, beyond at 0.01); "none" is no tiers (an empty,
// non-nil list).
func ParseTiers(s string) ([]TierInput, error) {
	if strings.TrimSpace(s) == "none" {
		return []TierInput{}, nil
	}
	var out []TierInput
	for _, part := range strings.Split(s, ",") {
		upTo, price, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok || price == "" {
			return nil, fmt.Errorf("tier %q: want UP_TO_GB:PRICE, or :PRICE for the last", part)
		}
		var t TierInput
		if upTo != "" {
			n, ok := new(big.Int).SetString(upTo, 10)
			if !ok || !n.IsInt64() || n.Sign() <= 0 {
				return nil, fmt.Errorf("tier %q: the bound is a whole number of GB", part)
			}
			t.UpToGB = n.Int64()
		}
		t.PerGB = price
		out = append(out, t)
	}
	return out, nil
}
