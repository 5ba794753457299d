package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/sla"
)

// TierJSON is a step of graduated overage pricing.
type TierJSON struct {
	UpToGB int64  `json:"up_to_gb"` // 0 = without bound (the last tier)
	PerGB  string `json:"per_gb"`   // decimal of the currency
}

// SLAJSON is a plan's service level and its credits: plan-wide
// (availability_ppm and tiers cover every service) or per service
// (services). On input, preset names a published tier table (sla
// presets) that availability_ppm and tiers given replace parts of.
type SLAJSON struct {
	Preset               string           `json:"preset,omitempty"`
	AvailabilityPPM      int64            `json:"availability_ppm"`
	Tiers                []CreditTierJSON `json:"tiers"`
	Services             []ServiceSLAJSON `json:"services"`
	LatencyTargetSeconds float64          `json:"latency_target_seconds"`
	LatencySharePPM      int64            `json:"latency_share_ppm"`
	LatencyCreditBP      int64            `json:"latency_credit_bp"`
	CapBP                int64            `json:"cap_bp"`
}

// ServiceSLAJSON is the promise for one service.
type ServiceSLAJSON struct {
	Service   string           `json:"service"`
	Preset    string           `json:"preset,omitempty"` // input only
	TargetPPM int64            `json:"target_ppm"`
	Tiers     []CreditTierJSON `json:"tiers"`
}

// CreditTierJSON credits credit_bp of the fees below below_ppm.
type CreditTierJSON struct {
	BelowPPM int64 `json:"below_ppm"`
	CreditBP int64 `json:"credit_bp"`
}

// PlanJSON is a plan version as the API and the CLI (plan show --json)
// print it: amounts are decimals of the currency ("5.00", "550" for JPY),
// sizes bytes. Versions lists every version, by effective date, where
// one plan is shown.
type PlanJSON struct {
	ID                string     `json:"id"`
	Currency          string     `json:"currency"`
	EffectiveFrom     string     `json:"effective_from"`
	MailboxFee        string     `json:"mailbox_fee"`
	DomainFee         string     `json:"domain_fee"`
	MinimumCharge     string     `json:"minimum_charge"`
	IncludedStorage   int64      `json:"included_storage"`
	StoragePooled     bool       `json:"storage_pooled"`
	StoragePerGBMonth string     `json:"storage_per_gb_month"`
	StorageTiers      []TierJSON `json:"storage_tiers"`
	IncludedTransfer  int64      `json:"included_transfer"`
	TransferPerGB     string     `json:"transfer_per_gb"`
	TransferTiers     []TierJSON `json:"transfer_tiers"`
	TaxRate           string     `json:"tax_rate"` // percent, "19.00"
	TaxBP             int64      `json:"tax_bp"`
	SLA               SLAJSON    `json:"sla"`
	CreatedAt         string     `json:"created_at"`
	Versions          []PlanJSON `json:"versions,omitempty"`
}

// PlanOut is a plan version's JSON; with versions, all of them too.
func PlanOut(v billing.PlanVersion, versions ...billing.PlanVersion) PlanJSON {
	p, money := v.Plan, func(m billing.Money) string { return billing.FormatMoney(m, v.Currency) }
	tiers := func(ts []billing.Tier) []TierJSON {
		out := []TierJSON{}
		for _, t := range ts {
			out = append(out, TierJSON{t.UpToGB, money(t.PerGB)})
		}
		return out
	}
	out := PlanJSON{ID: p.Name, Currency: p.Currency, EffectiveFrom: v.EffectiveFrom.Format(time.DateOnly), MailboxFee: money(p.MonthlyFee),
		DomainFee: money(p.DomainFee), MinimumCharge: money(p.MinimumCharge), IncludedStorage: p.IncludedStorage, StoragePooled: p.StoragePooled,
		StoragePerGBMonth: money(p.StoragePerGBMonth), StorageTiers: tiers(p.StorageTiers), IncludedTransfer: p.IncludedTransfer,
		TransferPerGB: money(p.TransferPerGB), TransferTiers: tiers(p.TransferTiers),
		TaxRate: strings.TrimSuffix(billing.TaxRate{BasisPoints: p.TaxBasisPoints}.Percent(), "%"),
		TaxBP:   p.TaxBasisPoints, SLA: slaOut(p.SLA), CreatedAt: rfc3339(v.CreatedAt)}
	for _, ver := range versions {
		out.Versions = append(out.Versions, PlanOut(ver))
	}
	return out
}

func tiersOut(ts []sla.Tier) []CreditTierJSON {
	out := []CreditTierJSON{}
	for _, t := range ts {
		out = append(out, CreditTierJSON{t.BelowPPM, t.CreditBP})
	}
	return out
}

func tiersIn(ts []CreditTierJSON) []sla.Tier {
	var out []sla.Tier
	for _, t := range ts {
		out = append(out, sla.Tier{BelowPPM: t.BelowPPM, CreditBP: t.CreditBP})
	}
	return out
}

func slaOut(s billing.SLA) SLAJSON {
	out := SLAJSON{AvailabilityPPM: s.AvailabilityTargetPPM, Tiers: tiersOut(s.Tiers), Services: []ServiceSLAJSON{},
		LatencyTargetSeconds: s.LatencyTarget.Seconds(), LatencySharePPM: s.LatencySharePPM, LatencyCreditBP: s.LatencyCreditBP, CapBP: s.CapBP}
	for _, sv := range s.Services {
		out.Services = append(out.Services, ServiceSLAJSON{Service: sv.Service, TargetPPM: sv.TargetPPM, Tiers: tiersOut(sv.Tiers)})
	}
	return out
}

// SLA is the SLA the input describes, presets applied; Invalid naming
// the field at fault.
func (s SLAJSON) SLA() (*billing.SLA, error) {
	all, err := sla.FromPreset("", s.Preset, s.AvailabilityPPM, tiersIn(s.Tiers))
	if err != nil {
		return nil, metering.FieldError("sla.preset", "%v", err)
	}
	out := &billing.SLA{AvailabilityTargetPPM: all.TargetPPM, Tiers: all.Tiers, LatencyTarget: time.Duration(s.LatencyTargetSeconds * float64(time.Second)),
		LatencySharePPM: s.LatencySharePPM, LatencyCreditBP: s.LatencyCreditBP, CapBP: s.CapBP}
	for i, sv := range s.Services {
		if err := metering.CheckTexts("sla.services.service", sv.Service, "sla.services.preset", sv.Preset); err != nil {
			return nil, err
		}
		if sv.Service == "" {
			return nil, metering.FieldError(fmt.Sprintf("sla.services[%d].service", i), "sla.services[%d].service is required", i)
		}
		t, err := sla.FromPreset(sv.Service, sv.Preset, sv.TargetPPM, tiersIn(sv.Tiers))
		if err != nil {
			return nil, metering.FieldError(fmt.Sprintf("sla.services[%d].preset", i), "sla.services[%d]: %v", i, err)
		}
		out.Services = append(out.Services, t)
	}
	return out, nil
}

// planInputJSON is a plan to add (POST, id and currency required) or a
// version to add (PUT: what is left out is kept).
type planInputJSON struct {
	ID                string     `json:"id"`
	Currency          string     `json:"currency"`
	MailboxFee        string     `json:"mailbox_fee"`
	DomainFee         string     `json:"domain_fee"`
	MinimumCharge     string     `json:"minimum_charge"`
	IncludedStorage   *int64     `json:"included_storage"`
	StoragePooled     *bool      `json:"storage_pooled"`
	StoragePerGBMonth string     `json:"storage_per_gb_month"`
	StorageTiers      []TierJSON `json:"storage_tiers"`
	IncludedTransfer  *int64     `json:"included_transfer"`
	TransferPerGB     string     `json:"transfer_per_gb"`
	TransferTiers     []TierJSON `json:"transfer_tiers"`
	TaxRate           string     `json:"tax_rate"`
	SLA               *SLAJSON   `json:"sla"`
	EffectiveFrom     string     `json:"effective_from"`
}

func (in planInputJSON) input() (billing.PlanInput, error) {
	tiers := func(ts []TierJSON) []billing.TierInput {
		if ts == nil {
			return nil
		}
		out := make([]billing.TierInput, len(ts))
		for i, t := range ts {
			out[i] = billing.TierInput{UpToGB: t.UpToGB, PerGB: t.PerGB}
		}
		return out
	}
	out := billing.PlanInput{ID: in.ID, Currency: in.Currency, MailboxFee: in.MailboxFee, DomainFee: in.DomainFee, MinimumCharge: in.MinimumCharge,
		IncludedStorage: in.IncludedStorage, StoragePooled: in.StoragePooled, StoragePerGBMonth: in.StoragePerGBMonth,
		StorageTiers: tiers(in.StorageTiers), IncludedTransfer: in.IncludedTransfer, TransferPerGB: in.TransferPerGB,
		TransferTiers: tiers(in.TransferTiers), TaxRate: in.TaxRate, Effective: in.EffectiveFrom}
	if in.SLA != nil {
		if err := metering.CheckText("sla.preset", in.SLA.Preset); err != nil {
			return out, err
		}
		s, err := in.SLA.SLA()
		if err != nil {
			return out, err
		}
		out.SLA = s
	}
	return out, nil
}

func (a *app) listPlans(c *gin.Context) {
	p, err := page(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	vs, err := a.Plans.List(c.Request.Context(), p)
	if err != nil {
		a.fail(c, err)
		return
	}
	writePage(c, p, vs, func(v billing.PlanVersion) PlanJSON { return PlanOut(v) }, func(v billing.PlanVersion) string { return v.Name })
}

func (a *app) createPlan(c *gin.Context) {
	var in planInputJSON
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	pin, err := in.input()
	if err != nil {
		a.fail(c, err)
		return
	}
	v, err := a.Plans.Add(c.Request.Context(), pin)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, PlanOut(v, v))
}

// getPlan answers a plan as in force today with its versions: to an
// admin, and to a customer whose plan it is (404 otherwise).
func (a *app) getPlan(c *gin.Context) {
	id := c.Param("plan")
	if p := principal(c); p.Role != RoleAdmin {
		cust, err := a.Directory.Customer(c.Request.Context(), p.Subject)
		if err != nil || cust.Plan != id {
			a.fail(c, notFound("plan", id))
			return
		}
	}
	cur, vs, err := a.Plans.Current(c.Request.Context(), id)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, PlanOut(cur, vs...))
}

// putPlan adds a version of a plan, effective from effective_from
// (default today): what the body leaves out is kept.
func (a *app) putPlan(c *gin.Context) {
	var in planInputJSON
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	if in.ID != "" && in.ID != c.Param("plan") {
		a.fail(c, metering.FieldError("id", "the body's id %q is not the path's %q", in.ID, c.Param("plan")))
		return
	}
	pin, err := in.input()
	if err != nil {
		a.fail(c, err)
		return
	}
	v, err := a.Plans.Update(c.Request.Context(), c.Param("plan"), pin)
	if err != nil {
		a.fail(c, err)
		return
	}
	_, vs, err := a.Plans.Current(c.Request.Context(), v.Name)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, PlanOut(v, vs...))
}
