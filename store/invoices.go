package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/directory"
)

var (
	_ billing.Store = (*Store)(nil)
	_ billing.Tx    = invoiceTx{}
)

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
	rec := billing.Record{ID: r.ID, Kind: r.Kind, Credits: deref(r.Credits), Customer: r.CustomerID, Status: r.Status,
		Number: deref(r.Number), ComputedAt: r.ComputedAt.UTC()}
	if r.FinalizedAt != nil {
		rec.FinalizedAt = r.FinalizedAt.UTC()
	}
	if err := json.Unmarshal([]byte(r.Document), &rec.Invoice); err != nil {
		return rec, fmt.Errorf("invoice %s: stored document: %w", r.ID, err)
	}
	return rec, nil
}

// invoiceRowOf maps a record to its row; the totals and period are
// columns too, for listing.
func invoiceRowOf(r billing.Record) (invoiceRow, error) {
	doc, err := json.Marshal(r.Invoice)
	if err != nil {
		return invoiceRow{}, fmt.Errorf("invoice %s: %w", r.ID, err)
	}
	row := invoiceRow{ID: r.ID, CustomerID: r.Customer, PeriodFrom: r.Invoice.Period.From.UTC(), PeriodTo: r.Invoice.Period.To.UTC(),
		Status: r.Status, Number: ref(r.Number), Currency: r.Invoice.Currency, Total: int64(r.Invoice.Total), Document: string(doc),
		ComputedAt: r.ComputedAt.UTC(), Kind: r.Kind, Credits: ref(r.Credits)}
	if !r.FinalizedAt.IsZero() {
		at := r.FinalizedAt.UTC()
		row.FinalizedAt = &at
	}
	return row, nil
}

func records(rows []invoiceRow) ([]billing.Record, error) {
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
	return records(rows)
}

// InTx implements billing.Store with one database transaction; rows are
// locked FOR UPDATE on PostgreSQL, SQLite transactions take the write lock
// at begin.
func (s *Store) InTx(ctx context.Context, fn func(billing.Tx) error) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return fn(invoiceTx{tx}) })
	return translate(err, "invoice transaction")
}

// invoiceTx implements billing.Tx: it maps and queries, the rules are
// billing's.
type invoiceTx struct{ db *gorm.DB }

func (t invoiceTx) LockInvoice(id string) (billing.Record, error) {
	var row invoiceRow
	if err := lockRow(t.db, "UPDATE").Where("id = ?", id).Take(&row).Error; err != nil {
		return billing.Record{}, translate(err, "invoice %s", id)
	}
	return row.record()
}

func (t invoiceTx) CreditNotes(invoiceID string) ([]billing.Record, error) {
	var rows []invoiceRow
	if err := t.db.Where("credits = ?", invoiceID).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "credit notes of %s", invoiceID)
	}
	return records(rows)
}

func (t invoiceTx) NextNumber(seq string) (int64, error) {
	if err := t.db.Clauses(clause.OnConflict{DoNothing: true}).Create(&invoiceSequenceRow{Name: seq, Last: 0}).Error; err != nil {
		return 0, translate(err, "sequence %s", seq)
	}
	var cur invoiceSequenceRow
	if err := lockRow(t.db, "UPDATE").Where("name = ?", seq).Take(&cur).Error; err != nil {
		return 0, translate(err, "sequence %s", seq)
	}
	next := cur.Last + 1
	if err := t.db.Model(&invoiceSequenceRow{}).Where("name = ? AND last = ?", seq, cur.Last).Update("last", next).Error; err != nil {
		return 0, translate(err, "sequence %s", seq)
	}
	return next, nil
}

func (t invoiceTx) InsertInvoice(r billing.Record) error {
	row, err := invoiceRowOf(r)
	if err != nil {
		return err
	}
	return translate(t.db.Create(&row).Error, "save invoice %s", r.ID)
}

func (t invoiceTx) UpdateInvoice(r billing.Record) error {
	row, err := invoiceRowOf(r)
	if err != nil {
		return err
	}
	err = t.db.Model(&invoiceRow{}).Where("id = ?", r.ID).Updates(map[string]any{
		"customer_id": row.CustomerID, "period_from": row.PeriodFrom, "period_to": row.PeriodTo, "status": row.Status,
		"number": row.Number, "currency": row.Currency, "total": row.Total, "document": row.Document,
		"computed_at": row.ComputedAt, "finalized_at": row.FinalizedAt, "kind": row.Kind, "credits": row.Credits}).Error
	return translate(err, "save invoice %s", r.ID)
}

func (t invoiceTx) DeleteInvoice(id string) error {
	return translate(t.db.Where("id = ?", id).Delete(&invoiceRow{}).Error, "delete invoice %s", id)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ref is nil for "" (a NULL column).
func ref(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
