package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
)

var _ billing.Store = (*Store)(nil)

type invoiceRow struct {
	ID          string     `gorm:"column:id;primaryKey"`
	CustomerID  string     `gorm:"column:customer_id"`
	PeriodFrom  time.Time  `gorm:"column:period_from"`
	PeriodTo    time.Time  `gorm:"column:period_to"`
	Status      string     `gorm:"column:status"`
	Number      *string    `gorm:"column:number"`
	Currency    string     `gorm:"column:currency"`
	Total       int64      `gorm:"column:total"`
	Document    string     `gorm:"column:document"`
	ComputedAt  time.Time  `gorm:"column:computed_at"`
	FinalizedAt *time.Time `gorm:"column:finalized_at"`
	Kind        string     `gorm:"column:kind"`
	Credits     *string    `gorm:"column:credits"`
}

func (invoiceRow) TableName() string { return "invoices" }

type invoiceSequenceRow struct {
	Name string `gorm:"column:name;primaryKey"`
	Last int64  `gorm:"column:last"`
}

func (invoiceSequenceRow) TableName() string { return "invoice_sequences" }

func (r invoiceRow) record() (billing.Record, error) {
	rec := billing.Record{ID: r.ID, Kind: r.Kind, Credits: deref(r.Credits), Customer: r.CustomerID, Status: r.Status, ComputedAt: r.ComputedAt.UTC()}
	if r.Number != nil {
		rec.Number = *r.Number
	}
	if r.FinalizedAt != nil {
		rec.FinalizedAt = r.FinalizedAt.UTC()
	}
	if err := json.Unmarshal([]byte(r.Document), &rec.Invoice); err != nil {
		return rec, fmt.Errorf("invoice %s: stored document: %w", r.ID, err)
	}
	return rec, nil
}

// SaveDraft implements billing.Store.
func (s *Store) SaveDraft(ctx context.Context, r billing.Record) error {
	doc, err := json.Marshal(r.Invoice)
	if err != nil {
		return err
	}
	row := invoiceRow{ID: r.ID, CustomerID: r.Customer, PeriodFrom: r.Invoice.Period.From.UTC(), PeriodTo: r.Invoice.Period.To.UTC(),
		Status: billing.Draft, Kind: billing.KindInvoice, Currency: r.Invoice.Currency, Total: int64(r.Invoice.Total), Document: string(doc), ComputedAt: r.ComputedAt.UTC()}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur invoiceRow
		err := lockRow(tx, "UPDATE").Where("id = ?", r.ID).Take(&cur).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			return tx.Create(&row).Error
		case err != nil:
			return err
		case cur.Status != billing.Draft:
			return &metering.Error{Kind: metering.Conflict, Message: "invoice " + r.ID + " is final", Err: billing.ErrFinal}
		}
		return tx.Model(&invoiceRow{}).Where("id = ? AND status = ?", r.ID, billing.Draft).Updates(map[string]any{
			"period_from": row.PeriodFrom, "period_to": row.PeriodTo, "currency": row.Currency, "total": row.Total,
			"document": row.Document, "computed_at": row.ComputedAt}).Error
	})
	return translate(err, "save invoice %s", r.ID)
}

// GetInvoice implements billing.Store.
func (s *Store) GetInvoice(ctx context.Context, id string) (billing.Record, error) {
	var row invoiceRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return billing.Record{}, translate(err, "invoice %s", id)
	}
	return row.record()
}

// ListInvoices implements billing.Store.
func (s *Store) ListInvoices(ctx context.Context, customer string, p directory.Page) ([]billing.Record, error) {
	q := s.db.WithContext(ctx).Where("id > ?", p.After).Order("id").Limit(limitOf(p))
	if customer != "" {
		q = q.Where("customer_id = ?", customer)
	}
	var rows []invoiceRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, translate(err, "list invoices")
	}
	out := make([]billing.Record, len(rows))
	for i, r := range rows {
		rec, err := r.record()
		if err != nil {
			return nil, err
		}
		out[i] = rec
	}
	return out, nil
}

// Finalize implements billing.Store: the invoice and its year's sequence
// change in one transaction, so a number is used once and none is skipped.
func (s *Store) Finalize(ctx context.Context, id string, at time.Time) (billing.Record, error) {
	at = at.UTC()
	var out invoiceRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockRow(tx, "UPDATE").Where("id = ?", id).Take(&out).Error; err != nil {
			return err
		}
		if out.Kind != billing.KindInvoice {
			return metering.Errorf(metering.Conflict, "%s is a credit note: final from the start", id)
		}
		if out.Status != billing.Draft {
			return &metering.Error{Kind: metering.Conflict, Message: "invoice " + id + " is final already (" + deref(out.Number) + ")", Err: billing.ErrFinal}
		}
		number, err := nextNumber(tx, fmt.Sprint(at.Year()))
		if err != nil {
			return err
		}
		out.Status, out.Number, out.FinalizedAt = billing.Final, &number, &at
		return tx.Model(&invoiceRow{}).Where("id = ? AND status = ?", id, billing.Draft).
			Updates(map[string]any{"status": billing.Final, "number": number, "finalized_at": at}).Error
	})
	if err != nil {
		return billing.Record{}, translate(err, "invoice %s", id)
	}
	return out.record()
}

// nextNumber takes the next number of a sequence in tx: "SEQ-000042".
func nextNumber(tx *gorm.DB, seq string) (string, error) {
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&invoiceSequenceRow{Name: seq, Last: 0}).Error; err != nil {
		return "", err
	}
	var cur invoiceSequenceRow
	if err := lockRow(tx, "UPDATE").Where("name = ?", seq).Take(&cur).Error; err != nil {
		return "", err
	}
	next := cur.Last + 1
	if err := tx.Model(&invoiceSequenceRow{}).Where("name = ? AND last = ?", seq, cur.Last).Update("last", next).Error; err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%06d", seq, next), nil
}

// CreditNote implements billing.Store.
func (s *Store) CreditNote(ctx context.Context, invoiceID string, net billing.Money, reason string, at time.Time) (billing.Record, error) {
	at = at.UTC()
	var out billing.Record
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row invoiceRow
		if err := lockRow(tx, "UPDATE").Where("id = ?", invoiceID).Take(&row).Error; err != nil {
			return err
		}
		if row.Kind != billing.KindInvoice || row.Status != billing.Final {
			return metering.Errorf(metering.Conflict, "%s is not a final invoice: only final invoices are corrected by credit notes", invoiceID)
		}
		inv, err := row.record()
		if err != nil {
			return err
		}
		var notes []invoiceRow
		if err := tx.Where("credits = ?", invoiceID).Find(&notes).Error; err != nil {
			return err
		}
		var credited billing.Money
		for _, n := range notes {
			credited -= billing.Money(n.Total)
		}
		doc, err := billing.CreditNote(inv.Invoice, net, reason, credited)
		if err != nil {
			return &metering.Error{Kind: metering.Conflict, Field: "amount", Message: err.Error()}
		}
		number, err := nextNumber(tx, fmt.Sprintf("CN-%d", at.Year()))
		if err != nil {
			return err
		}
		b, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		id := fmt.Sprintf("%s-cn%d", invoiceID, len(notes)+1)
		note := invoiceRow{ID: id, CustomerID: row.CustomerID, PeriodFrom: row.PeriodFrom, PeriodTo: row.PeriodTo, Status: billing.Final,
			Number: &number, Currency: row.Currency, Total: int64(doc.Total), Document: string(b), ComputedAt: at, FinalizedAt: &at,
			Kind: billing.KindCreditNote, Credits: &invoiceID}
		if err := tx.Create(&note).Error; err != nil {
			return err
		}
		out, err = note.record()
		return err
	})
	if err != nil {
		return billing.Record{}, translate(err, "invoice %s", invoiceID)
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// DeleteDraft implements billing.Store.
func (s *Store) DeleteDraft(ctx context.Context, id string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur invoiceRow
		err := lockRow(tx, "UPDATE").Where("id = ?", id).Take(&cur).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			return nil
		case err != nil:
			return err
		case cur.Status != billing.Draft:
			return &metering.Error{Kind: metering.Conflict, Message: "invoice " + id + " is final", Err: billing.ErrFinal}
		}
		return tx.Where("id = ? AND status = ?", id, billing.Draft).Delete(&invoiceRow{}).Error
	})
	return translate(err, "delete draft %s", id)
}
