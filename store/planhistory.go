package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
)

var _ directory.PlanHistory = (*Store)(nil)

type customerPlanRow struct {
	CustomerID    string    `gorm:"column:customer_id;primaryKey"`
	EffectiveFrom string    `gorm:"column:effective_from;primaryKey"`
	Plan          string    `gorm:"column:plan"`
	CreatedAt     time.Time `gorm:"column:created_at"`
}

func (customerPlanRow) TableName() string { return "customer_plans" }

// PlanChanges implements directory.PlanHistory.
func (s *Store) PlanChanges(ctx context.Context, customer string) ([]directory.PlanChange, error) {
	var rows []customerPlanRow
	if err := s.db.WithContext(ctx).Where("customer_id = ?", customer).Order("effective_from").Find(&rows).Error; err != nil {
		return nil, translate(err, "plan history of customer %s", customer)
	}
	out := make([]directory.PlanChange, 0, len(rows))
	for _, r := range rows {
		day, err := time.Parse(time.DateOnly, r.EffectiveFrom)
		if err != nil {
			return nil, translate(err, "plan history of customer %s: day %q", customer, r.EffectiveFrom)
		}
		out = append(out, directory.PlanChange{Plan: r.Plan, EffectiveFrom: day})
	}
	return out, nil
}

// ChangePlan implements directory.PlanHistory.
func (s *Store) ChangePlan(ctx context.Context, customer string, ch directory.PlanChange) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur customerRow
		err := lockRow(tx, "UPDATE").Where(activeCustomer, customer).Take(&cur).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return &metering.Error{Kind: metering.NotFound, Field: "customer", Message: "customer " + customer + " does not exist"}
		}
		if err != nil {
			return err
		}
		row := customerPlanRow{CustomerID: customer, EffectiveFrom: ch.EffectiveFrom.Format(time.DateOnly), Plan: ch.Plan, CreatedAt: time.Now().UTC()}
		if err := tx.Save(&row).Error; err != nil {
			return err
		}
		var latest customerPlanRow
		if err := tx.Where("customer_id = ?", customer).Order("effective_from DESC").Take(&latest).Error; err != nil {
			return err
		}
		return tx.Model(&customerRow{}).Where(activeCustomer, customer).Update("plan", latest.Plan).Error
	})
	return translate(err, "change plan of customer %s", customer)
}
