package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/sla"
	"github.com/mailmeter/mailmeter/store"
)

// configPlans converts the configured plans (the seed of the database's),
// naming the key at fault.
func configPlans(c config.Config) ([]billing.Plan, error) {
	out := make([]billing.Plan, len(c.Billing.Plans))
	for i, p := range c.Billing.Plans {
		bp, err := configPlan(p)
		if err == nil {
			var key string
			if bp.SLA, key, err = configSLA(p.SLA); err != nil {
				return nil, fmt.Errorf("invalid config: billing.plans[%d] (%s).sla%s: %w", i, p.Name, key, err)
			}
			err = bp.Validate()
		}
		if err != nil {
			return nil, fmt.Errorf("invalid config: billing.plans[%d] (%s): %s", i, p.Name, strings.ReplaceAll(err.Error(), "\n", "; "))
		}
		out[i] = bp
	}
	return out, nil
}

func configPlan(p config.Plan) (billing.Plan, error) {
	bp := billing.Plan{Name: p.Name, Currency: p.Currency, IncludedStorage: p.IncludedStorage, StoragePooled: p.StoragePooled,
		IncludedTransfer: p.IncludedTransfer, TaxBasisPoints: p.TaxBP}
	if !p.MailboxFee.IsZero() && !p.MonthlyFee.IsZero() {
		return bp, fmt.Errorf("mailbox_fee and monthly_fee (its former name) exclude each other")
	}
	fee := p.MailboxFee
	if fee.IsZero() {
		fee = p.MonthlyFee
	}
	if _, ok := billing.Exponent(p.Currency); !ok {
		return bp, fmt.Errorf("currency %q: want an ISO 4217 code such as EUR, JPY or BHD", p.Currency)
	}
	for _, a := range []struct {
		key string
		v   config.Amount
		dst *billing.Money
	}{{"mailbox_fee", fee, &bp.MonthlyFee}, {"domain_fee", p.DomainFee, &bp.DomainFee}, {"minimum_charge", p.MinimumCharge, &bp.MinimumCharge},
		{"storage_per_gb_month", p.StoragePerGBMonth, &bp.StoragePerGBMonth}, {"transfer_per_gb", p.TransferPerGB, &bp.TransferPerGB}} {
		m, err := configAmount(a.v, p.Currency)
		if err != nil {
			return bp, fmt.Errorf("%s: %w", a.key, err)
		}
		*a.dst = m
	}
	var err error
	if bp.StorageTiers, err = configTiers("storage_tiers", p.StorageTiers, p.Currency); err != nil {
		return bp, err
	}
	bp.TransferTiers, err = configTiers("transfer_tiers", p.TransferTiers, p.Currency)
	return bp, err
}

// configSLA converts a plan's sla section: plan-wide terms (a preset,
// its target and tiers replaced by those given) or each service's; key is
// the key at fault under sla ("" for sla itself).
func configSLA(s config.PlanSLA) (out billing.SLA, key string, err error) {
	out = billing.SLA{LatencyTarget: time.Duration(s.LatencyTarget), LatencySharePPM: s.LatencySharePPM,
		LatencyCreditBP: s.LatencyCreditBP, CapBP: s.CapBP}
	all, err := serviceTerms(config.ServiceSLA{Preset: s.Preset, AvailabilityPPM: s.AvailabilityPPM, Tiers: s.Tiers})
	if err != nil {
		return out, "", err
	}
	out.AvailabilityTargetPPM, out.Tiers = all.TargetPPM, all.Tiers
	for j, sv := range s.Services {
		t, err := serviceTerms(sv)
		if err != nil {
			return out, fmt.Sprintf(".services[%d]", j), err
		}
		if sv.Service == "" {
			return out, fmt.Sprintf(".services[%d].service", j), errors.New("required")
		}
		out.Services = append(out.Services, t)
	}
	return out, "", nil
}

// serviceTerms are a service's configured terms: a preset's, with the
// target and tiers given replacing its own.
func serviceTerms(sv config.ServiceSLA) (sla.ServiceTerms, error) {
	var tiers []sla.Tier
	for _, tier := range sv.Tiers {
		tiers = append(tiers, sla.Tier{BelowPPM: tier.BelowPPM, CreditBP: tier.CreditBP})
	}
	return sla.FromPreset(sv.Service, sv.Preset, sv.AvailabilityPPM, tiers)
}

// configAmount is a decimal of the currency, or minor units when the file
// has a bare integer.
func configAmount(a config.Amount, currency string) (billing.Money, error) {
	switch {
	case a.Minor != nil:
		return billing.Money(*a.Minor), nil
	case a.Decimal == "":
		return 0, nil
	}
	return billing.ParseMoney(a.Decimal, currency)
}

func configTiers(key string, ts []config.Tier, currency string) ([]billing.Tier, error) {
	var out []billing.Tier
	for i, t := range ts {
		m, err := configAmount(t.PerGB, currency)
		if err != nil {
			return nil, fmt.Errorf("%s[%d].per_gb: %w", key, i, err)
		}
		out = append(out, billing.Tier{UpToGB: t.UpToGB, PerGB: m})
	}
	return out, nil
}

// seedPlans imports the configured plans the database lacks, each as a
// version effective from the epoch, and logs what it did: plans the
// database has are its own (changed with mailmeter plan update), and one
// configured otherwise is reported, not applied.
func seedPlans(ctx context.Context, c config.Config, cat *billing.Catalog, log *slog.Logger) error {
	ps, err := configPlans(c)
	if err != nil || len(ps) == 0 {
		return err
	}
	rep, err := cat.Seed(ctx, ps)
	if err != nil {
		return err
	}
	if len(rep.Imported) > 0 {
		log.Info("imported plans from billing.plans into the database, effective from 1970-01-01", "plans", strings.Join(rep.Imported, ","))
	}
	if len(rep.Differs) > 0 {
		log.Warn("billing.plans differs from the database's plans, which apply; change them with mailmeter plan update ID ... --effective YYYY-MM-DD",
			"plans", strings.Join(rep.Differs, ","))
	}
	return nil
}

// withCatalog is withStore that also imports the configured plans the
// database lacks, and hands fn the plans.
func withCatalog(ctx context.Context, e env, f *cmdFlags, fn func(config.Config, *store.Store, *billing.Catalog) error) error {
	c, log, err := f.load(e)
	if err != nil {
		return err
	}
	if _, err := configPlans(c); err != nil { // before the database: a bad file is a bad file
		return err
	}
	s, err := openStore(ctx, c, log, true)
	if err != nil {
		return err
	}
	defer s.Close()
	cat := billing.NewCatalog(s, time.Now)
	if err := seedPlans(ctx, c, cat, log); err != nil {
		return err
	}
	return fn(c, s, cat)
}
