package sla

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
)

// Listing is a blacklist listing of one of the operator's addresses.
type Listing struct {
	List    string    `json:"list"`    // the blacklist (DNSBL zone), e.g. zen.spamhaus.org
	Address string    `json:"address"` // the IP address or domain listed
	Listed  time.Time `json:"listed"`  // first seen listed
	// Delisted is when it was first seen no longer listed; nil = still
	// listed.
	Delisted *time.Time `json:"delisted,omitempty"`
}

// Blacklists reads blacklist listings. Errors are *metering.Error values.
type Blacklists interface {
	// Listings returns the listings that overlap [from, to), by Listed.
	Listings(ctx context.Context, from, to time.Time) ([]Listing, error)
}

// ReportInput selects a monthly report.
type ReportInput struct {
	Period   string // YYYY-MM; "" = this month
	Customer string // "" = service-wide, months in UTC, every plan's credit
}

// Report is the monthly service report: each service's uptime, downtime
// and maintenance, delivery latency, rejects and blocks, blacklist listings
// and the credit each plan's SLA gives.
type Report struct {
	Period     string           `json:"period"`
	Customer   string           `json:"customer,omitempty"`
	Timezone   string           `json:"timezone"`
	From       time.Time        `json:"from"`
	To         time.Time        `json:"to"` // the end of the current minute, for the month in progress
	Complete   bool             `json:"complete"`
	Policy     PolicyFigures    `json:"policy"`
	Services   []Figures        `json:"services"`
	Latency    LatencySection   `json:"latency"`
	Mail       MailSection      `json:"mail"`
	Blacklists BlacklistSection `json:"blacklists"`
	Credits    []PlanCredit     `json:"credits"`
}

// PolicyFigures are the counting rules a report applied.
type PolicyFigures struct {
	MinOutageMinutes       int64   `json:"min_outage_minutes"`
	UnknownCountsAs        string  `json:"unknown_counts_as"` // up or down
	MaintenanceNoticeHours float64 `json:"maintenance_notice_hours"`
	MaintenanceCapHours    float64 `json:"maintenance_cap_hours"`
}

// BlacklistSection lists the listings of the period.
type BlacklistSection struct {
	Checked  bool      `json:"checked"` // false: no blacklist checks are configured
	Listings []Listing `json:"listings"`
}

// PlanCredit is the credit a plan's SLA gives for the period.
type PlanCredit struct {
	Plan   string `json:"plan"`
	Credit Credit `json:"credit"`
}

// Report builds the monthly report of a period: in the customer's time
// zone with the customer's counters and plan, or service-wide in UTC.
// Errors: Invalid naming period, NotFound naming customer.
func (s *Service) Report(ctx context.Context, in ReportInput) (Report, error) {
	loc, cust, err := s.reportScope(ctx, in.Customer)
	if err != nil {
		return Report{}, err
	}
	from, to, err := s.month(in.Period, loc)
	if err != nil {
		return Report{}, err
	}
	now := ceilMinute(s.now()) // the minute in progress counts
	rep := Report{Period: from.Format("2006-01"), Customer: cust.ID, Timezone: loc.String(), From: from, To: to,
		Complete: !now.Before(to), Policy: s.policyFigures()}
	if now.Before(to) {
		rep.To = now.In(loc)
	}
	if rep.Services, err = s.Figures(ctx, from, to); err != nil {
		return rep, err
	}
	hs, err := s.usage.Latency(ctx, metering.LatencyQuery{From: from, To: to})
	if err != nil {
		return rep, err
	}
	if err := s.mailFigures(ctx, &rep, cust.ID); err != nil {
		return rep, err
	}
	if rep.Blacklists, err = s.listings(ctx, from, rep.To); err != nil {
		return rep, err
	}
	// The plans as in force on the period's last day (measured so far).
	plans, err := s.plans.PlanTerms(ctx, rep.To.Add(-time.Nanosecond))
	if err != nil {
		return rep, err
	}
	rep.Latency = latencySection(hs, latencyTarget(plans, cust.Plan))
	rep.Credits = credits(plans, rep.Services, hs, cust)
	return rep, nil
}

// reportScope returns the zone and the customer of a report.
func (s *Service) reportScope(ctx context.Context, customer string) (*time.Location, directory.Customer, error) {
	if customer == "" {
		return time.UTC, directory.Customer{}, nil
	}
	c, err := s.dir.GetCustomer(ctx, customer)
	if metering.KindOf(err) == metering.NotFound {
		return nil, c, &metering.Error{Kind: metering.NotFound, Field: "customer", Message: "customer " + customer + " does not exist"}
	}
	if err != nil {
		return nil, c, err
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return nil, c, fmt.Errorf("customer %s: time zone %q: %w", c.ID, c.Timezone, err)
	}
	return loc, c, nil
}

// month parses a period (default this month) into its bounds in loc; a
// month that has not begun is Invalid.
func (s *Service) month(period string, loc *time.Location) (time.Time, time.Time, error) {
	now := s.now().In(loc)
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	if period != "" {
		p, err := time.Parse("2006-01", period)
		if err != nil {
			return from, from, invalid("period", "period %q: want YYYY-MM", period)
		}
		from = time.Date(p.Year(), p.Month(), 1, 0, 0, 0, 0, loc)
	}
	if from.After(now) {
		return from, from, invalid("period", "period %s has not begun", from.Format("2006-01"))
	}
	return from, from.AddDate(0, 1, 0), nil
}

func (s *Service) policyFigures() PolicyFigures {
	as := "up"
	if s.policy.UnknownAsDown {
		as = "down"
	}
	return PolicyFigures{MinOutageMinutes: int64(ceilDuration(s.policy.MinOutage) / time.Minute), UnknownCountsAs: as,
		MaintenanceNoticeHours: s.policy.MaintenanceNotice.Hours(), MaintenanceCapHours: s.policy.MaintenanceCap.Hours()}
}

func (s *Service) listings(ctx context.Context, from, to time.Time) (BlacklistSection, error) {
	sec := BlacklistSection{Listings: []Listing{}}
	if s.blacklists == nil {
		return sec, nil
	}
	ls, err := s.blacklists.Listings(ctx, from, to)
	if err != nil {
		return sec, err
	}
	sec.Checked = true
	for _, l := range ls {
		l.Listed = l.Listed.In(from.Location())
		if l.Delisted != nil {
			d := l.Delisted.In(from.Location())
			l.Delisted = &d
		}
		sec.Listings = append(sec.Listings, l)
	}
	return sec, nil
}

// latencyTarget is the target of a plan's latency promise, else the
// default the latency report uses.
func latencyTarget(plans map[string]Terms, plan string) time.Duration {
	if t, ok := plans[plan]; ok && t.LatencyTarget > 0 {
		return t.LatencyTarget
	}
	return quota.DefaultLatencyTarget
}

// credits returns the credit of the customer's plan, or of every plan.
func credits(plans map[string]Terms, figs []Figures, hs map[metering.Direction]*metering.Histogram, cust directory.Customer) []PlanCredit {
	names := []string{}
	if cust.ID != "" {
		if _, ok := plans[cust.Plan]; ok {
			names = append(names, cust.Plan)
		}
	} else {
		for n := range plans {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	out := []PlanCredit{}
	for _, n := range names {
		t := plans[n]
		total, within := DeliveriesWithin(hs, t.LatencyTarget)
		out = append(out, PlanCredit{Plan: n, Credit: t.Credit(figs, total, within)})
	}
	return out
}

// DeliveriesWithin counts the deliveries of the histograms and those at
// most target (a lower bound: the bucket straddling the target is left
// out); a zero target counts none within.
func DeliveriesWithin(hs map[metering.Direction]*metering.Histogram, target time.Duration) (total, within int64) {
	for _, h := range hs {
		lo, _ := h.CountWithin(target)
		total += h.Total
		within += lo
	}
	return total, within
}
