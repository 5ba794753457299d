package sla

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"
)

// Tier credits CreditBP (basis points of the fees) when a service's uptime
// is below BelowPPM (parts per million).
type Tier struct {
	BelowPPM int64 `json:"below_ppm"`
	CreditBP int64 `json:"credit_bp"`
}

// ServiceTerms are a plan's promise for one service.
type ServiceTerms struct {
	// Service is the service covered; "" covers every service the plan
	// does not name (the form of a plan-wide availability promise).
	Service   string `json:"service"`
	TargetPPM int64  `json:"target_ppm"` // promised uptime; 0 = no promise (tiers still credit)
	Tiers     []Tier `json:"tiers"`
}

// Presets are published tier tables shipped as examples; a plan names one
// per service and may change its target or tiers.
var Presets = map[string]ServiceTerms{
	// 99.9 % with 25, 50 and 100 % of the fees below 99.9, 99 and 95 %.
	"credits-25-50-100": {TargetPPM: 999000, Tiers: []Tier{{999000, 2500}, {990000, 5000}, {950000, 10000}}},
	// 99.9 % with 10, 25 and 100 % of the fees at the same thresholds.
	"credits-10-25-100": {TargetPPM: 999000, Tiers: []Tier{{999000, 1000}, {990000, 2500}, {950000, 10000}}},
}

// Preset returns a copy of the named preset.
func Preset(name string) (ServiceTerms, error) {
	p, ok := Presets[name]
	if !ok {
		names := make([]string, 0, len(Presets))
		for n := range Presets {
			names = append(names, n)
		}
		sort.Strings(names)
		return p, fmt.Errorf("preset %q: want one of %v", name, names)
	}
	p.Tiers = slices.Clone(p.Tiers)
	return p, nil
}

// FromPreset returns a service's terms: the named preset's ("" = none),
// with the target and tiers given (0, none: the preset's) replacing its
// own.
func FromPreset(service, preset string, targetPPM int64, tiers []Tier) (ServiceTerms, error) {
	t := ServiceTerms{Service: service}
	if preset != "" {
		p, err := Preset(preset)
		if err != nil {
			return t, err
		}
		t.TargetPPM, t.Tiers = p.TargetPPM, p.Tiers
	}
	if targetPPM != 0 {
		t.TargetPPM = targetPPM
	}
	if len(tiers) > 0 {
		t.Tiers = slices.Clone(tiers)
	}
	return t, nil
}

// Validate checks one service's terms.
func (t ServiceTerms) Validate() error {
	if t.Service != "" {
		if err := CheckServiceName("service", t.Service); err != nil {
			return err
		}
	}
	if t.TargetPPM < 0 || t.TargetPPM > 1e6 {
		return errors.New("target is parts per million, 0 to 1000000")
	}
	for i, tier := range t.Tiers {
		if tier.BelowPPM <= 0 || tier.BelowPPM > 1e6 || tier.CreditBP < 0 || tier.CreditBP > 10000 {
			return fmt.Errorf("tier %d: below_ppm 1..1000000, credit_bp 0..10000", i)
		}
	}
	return nil
}

// CreditBP returns the largest credit of the tiers whose bound uptime is
// below.
func (t ServiceTerms) CreditBP(uptimePPM int64) int64 {
	var bp int64
	for _, tier := range t.Tiers {
		if uptimePPM < tier.BelowPPM && tier.CreditBP > bp {
			bp = tier.CreditBP
		}
	}
	return bp
}

// Terms are a plan's SLA: its services' terms, a delivery-latency promise
// and a cap on the total credit.
type Terms struct {
	Services []ServiceTerms `json:"services"`
	// LatencyTarget and LatencySharePPM promise that at least that share
	// of deliveries take at most the target; LatencyCreditBP is credited
	// when they do not.
	LatencyTarget   time.Duration `json:"latency_target_ns"`
	LatencySharePPM int64         `json:"latency_share_ppm"`
	LatencyCreditBP int64         `json:"latency_credit_bp"`
	CapBP           int64         `json:"cap_bp"` // 0 = no cap below all of the fees
}

// Validate checks the terms: each service's, and a service named twice.
func (t Terms) Validate() error {
	seen := map[string]bool{}
	for i, s := range t.Services {
		if err := s.Validate(); err != nil {
			return fmt.Errorf("services[%d]: %w", i, err)
		}
		if seen[s.Service] {
			return fmt.Errorf("services[%d]: service %q is named twice", i, s.Service)
		}
		seen[s.Service] = true
	}
	return nil
}

// For returns the terms covering service: those naming it, else the
// plan-wide ones; false if the plan does not cover it.
func (t Terms) For(service string) (ServiceTerms, bool) {
	var all *ServiceTerms
	for i, s := range t.Services {
		switch s.Service {
		case service:
			return s, true
		case "":
			all = &t.Services[i]
		}
	}
	if all == nil {
		return ServiceTerms{}, false
	}
	return *all, true
}

// ServiceCredit is one covered service measured against its terms: the
// evidence an invoice's credit rests on.
type ServiceCredit struct {
	Service         string   `json:"service"`
	UptimePPM       int64    `json:"uptime_ppm"`
	TargetPPM       int64    `json:"target_ppm"`
	Met             bool     `json:"met"`
	CreditBP        int64    `json:"credit_bp"`
	DowntimeMinutes int64    `json:"downtime_minutes"`
	UnknownMinutes  int64    `json:"unknown_minutes"`
	Downtime        []Outage `json:"downtime"`
}

// Credit is what a plan's SLA gives for a period.
type Credit struct {
	Services []ServiceCredit `json:"services"`
	// Service is the service whose credit applies: the largest of the
	// covered services' credits (one fee covers them all); "" if none.
	Service              string `json:"service,omitempty"`
	AvailabilityCreditBP int64  `json:"availability_credit_bp"`
	Deliveries           int64  `json:"deliveries"`
	DeliveredWithin      int64  `json:"delivered_within_target"`
	LatencySharePPM      int64  `json:"latency_share_ppm"` // 1000000 without deliveries
	LatencyMet           bool   `json:"latency_met"`
	LatencyCreditBP      int64  `json:"latency_credit_bp"`
	CreditBP             int64  `json:"credit_bp"` // the total, after the cap
}

// Credit measures services and deliveries (of which within were at most
// the latency target) against the terms. Each covered service earns its
// tiers' credit; the largest applies, plus the latency credit if the
// share within the target is below the promise, capped by CapBP and by
// all of the fees.
func (t Terms) Credit(services []Figures, deliveries, within int64) Credit {
	c := Credit{Services: []ServiceCredit{}, Deliveries: deliveries, DeliveredWithin: within, LatencySharePPM: 1_000_000, LatencyMet: true}
	for _, f := range services {
		st, ok := t.For(f.Service)
		if !ok {
			continue
		}
		sc := ServiceCredit{Service: f.Service, UptimePPM: f.UptimePPM, TargetPPM: st.TargetPPM, Met: f.UptimePPM >= st.TargetPPM,
			CreditBP: st.CreditBP(f.UptimePPM), DowntimeMinutes: f.DowntimeMinutes, UnknownMinutes: f.UnknownMinutes, Downtime: f.Downtime}
		if sc.Downtime == nil {
			sc.Downtime = []Outage{}
		}
		c.Services = append(c.Services, sc)
		if sc.CreditBP > c.AvailabilityCreditBP {
			c.AvailabilityCreditBP, c.Service = sc.CreditBP, sc.Service
		}
	}
	if deliveries > 0 {
		c.LatencySharePPM = within * 1_000_000 / deliveries
	}
	if t.LatencySharePPM > 0 && c.LatencySharePPM < t.LatencySharePPM {
		c.LatencyMet, c.LatencyCreditBP = false, t.LatencyCreditBP
	}
	c.CreditBP = min(c.AvailabilityCreditBP+c.LatencyCreditBP, 10000)
	if t.CapBP > 0 {
		c.CreditBP = min(c.CreditBP, t.CapBP)
	}
	return c
}
