package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/sla"
)

var (
	_ billing.PlanStore = (*Store)(nil)
	_ billing.PlanTx    = planTx{}
)

type planRow struct {
	ID        string    `gorm:"column:id;primaryKey"`
	Currency  string    `gorm:"column:currency"`
	CreatedAt time.Time `gorm:"column:created_at"`
}

func (planRow) TableName() string { return "plans" }

type planVersionRow struct {
	Plan          string    `gorm:"column:plan;primaryKey"`
	EffectiveFrom string    `gorm:"column:effective_from;primaryKey"`
	Pricing       string    `gorm:"column:pricing"`
	SLA           string    `gorm:"column:sla"`
	CreatedAt     time.Time `gorm:"column:created_at"`
}

func (planVersionRow) TableName() string { return "plan_versions" }

// pricingDoc is a version's prices as stored (minor units, bytes).
type pricingDoc struct {
	Currency          string         `json:"currency"`
	MailboxFee        int64          `json:"mailbox_fee"`
	DomainFee         int64          `json:"domain_fee,omitempty"`
	MinimumCharge     int64          `json:"minimum_charge,omitempty"`
	IncludedStorage   int64          `json:"included_storage"`
	StoragePooled     bool           `json:"storage_pooled,omitempty"`
	StoragePerGBMonth int64          `json:"storage_per_gb_month"`
	StorageTiers      []billing.Tier `json:"storage_tiers,omitempty"`
	IncludedTransfer  int64          `json:"included_transfer"`
	TransferPerGB     int64          `json:"transfer_per_gb"`
	TransferTiers     []billing.Tier `json:"transfer_tiers,omitempty"`
	TaxBP             int64          `json:"tax_bp"`
}

func planVersionRowOf(v billing.PlanVersion) (planVersionRow, error) {
	p := v.Plan
	doc, err := json.Marshal(pricingDoc{p.Currency, int64(p.MonthlyFee), int64(p.DomainFee), int64(p.MinimumCharge), p.IncludedStorage,
		p.StoragePooled, int64(p.StoragePerGBMonth), p.StorageTiers, p.IncludedTransfer, int64(p.TransferPerGB), p.TransferTiers, p.TaxBasisPoints})
	if err != nil {
		return planVersionRow{}, err
	}
	terms, err := json.Marshal(p.SLA.Terms()) // the sla package's terms
	if err != nil {
		return planVersionRow{}, err
	}
	return planVersionRow{Plan: p.Name, EffectiveFrom: v.EffectiveFrom.Format(time.DateOnly), Pricing: string(doc), SLA: string(terms),
		CreatedAt: v.CreatedAt.UTC()}, nil
}

func (r planVersionRow) version() (billing.PlanVersion, error) {
	var d pricingDoc
	day, err := time.Parse(time.DateOnly, r.EffectiveFrom)
	if err != nil {
		return billing.PlanVersion{}, fmt.Errorf("plan %s: stored effective date %q: %w", r.Plan, r.EffectiveFrom, err)
	}
	v := billing.PlanVersion{EffectiveFrom: day, CreatedAt: r.CreatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.Pricing), &d); err != nil {
		return v, fmt.Errorf("plan %s of %s: stored pricing: %w", r.Plan, r.EffectiveFrom, err)
	}
	var terms sla.Terms
	if err := json.Unmarshal([]byte(r.SLA), &terms); err != nil {
		return v, fmt.Errorf("plan %s of %s: stored sla: %w", r.Plan, r.EffectiveFrom, err)
	}
	v.SLA = billing.SLAOf(terms)
	v.Plan = billing.Plan{Name: r.Plan, Currency: d.Currency, MonthlyFee: billing.Money(d.MailboxFee), DomainFee: billing.Money(d.DomainFee),
		MinimumCharge: billing.Money(d.MinimumCharge), IncludedStorage: d.IncludedStorage, StoragePooled: d.StoragePooled,
		StoragePerGBMonth: billing.Money(d.StoragePerGBMonth), StorageTiers: d.StorageTiers, IncludedTransfer: d.IncludedTransfer,
		TransferPerGB: billing.Money(d.TransferPerGB), TransferTiers: d.TransferTiers, TaxBasisPoints: d.TaxBP, SLA: v.SLA}
	return v, nil
}

func planVersionsOf(db *gorm.DB, id string) ([]billing.PlanVersion, error) {
	var rows []planVersionRow
	if err := db.Where("plan = ?", id).Order("effective_from").Find(&rows).Error; err != nil {
		return nil, translate(err, "versions of plan %s", id)
	}
	if len(rows) == 0 {
		return nil, &metering.Error{Kind: metering.NotFound, Field: "plan", Message: "plan " + id + " does not exist"}
	}
	out := make([]billing.PlanVersion, len(rows))
	for i, r := range rows {
		v, err := r.version()
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// PlanVersions implements billing.PlanStore.
func (s *Store) PlanVersions(ctx context.Context, id string) ([]billing.PlanVersion, error) {
	return planVersionsOf(s.db.WithContext(ctx), id)
}

// ListPlans implements billing.PlanStore.
func (s *Store) ListPlans(ctx context.Context, p directory.Page) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Model(&planRow{}).Where("id > ?", p.After).Order("id").Limit(limitOf(p)).Pluck("id", &ids).Error
	return ids, translate(err, "list plans")
}

// InPlanTx implements billing.PlanStore: the plan's row is locked FOR
// UPDATE on PostgreSQL; SQLite transactions take the write lock at begin.
func (s *Store) InPlanTx(ctx context.Context, fn func(billing.PlanTx) error) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return fn(planTx{tx}) })
	return translate(err, "plan transaction")
}

// planTx implements billing.PlanTx.
type planTx struct{ db *gorm.DB }

func (t planTx) CreatePlan(v billing.PlanVersion) error {
	row, err := planVersionRowOf(v)
	if err != nil {
		return err
	}
	if err := t.db.Create(&planRow{ID: v.Name, Currency: v.Currency, CreatedAt: v.CreatedAt.UTC()}).Error; err != nil {
		if err := translate(err, "plan %s", v.Name); metering.KindOf(err) == metering.Conflict {
			return &metering.Error{Kind: metering.Conflict, Field: "id", Message: "plan " + v.Name + " exists already"}
		}
		return translate(err, "create plan %s", v.Name)
	}
	return translate(t.db.Create(&row).Error, "create plan %s", v.Name)
}

func (t planTx) LockPlan(id string) ([]billing.PlanVersion, error) {
	var p planRow
	if err := lockRow(t.db, "UPDATE").Where("id = ?", id).Take(&p).Error; err != nil {
		if err := translate(err, "plan %s", id); metering.KindOf(err) == metering.NotFound {
			return nil, &metering.Error{Kind: metering.NotFound, Field: "plan", Message: "plan " + id + " does not exist"}
		}
		return nil, translate(err, "lock plan %s", id)
	}
	return planVersionsOf(t.db, id)
}

func (t planTx) PutPlanVersion(v billing.PlanVersion) error {
	row, err := planVersionRowOf(v)
	if err != nil {
		return err
	}
	return translate(t.db.Save(&row).Error, "store plan %s of %s", v.Name, row.EffectiveFrom)
}
