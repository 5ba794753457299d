package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
)

// Invoice statuses.
const (
	Draft = "draft" // recomputed by every run of its period
	Final = "final" // numbered and immutable
)

// Record kinds.
const (
	KindInvoice    = "invoice"
	KindCreditNote = "credit_note"
)

// Record is a stored invoice or credit note.
type Record struct {
	ID          string // customer and period: "acme-2026-11"; a credit note adds "-cn1", "-cn2"…
	Kind        string // KindInvoice or KindCreditNote
	Credits     string // the invoice a credit note corrects
	Customer    string
	Status      string
	Number      string // of a final invoice: "2026-000001", gapless per year
	Invoice     Invoice
	ComputedAt  time.Time
	FinalizedAt time.Time
}

// ErrFinal is returned when a draft is wanted of an invoice already
// finalized.
var ErrFinal = errors.New("invoice is final")

// Store keeps invoices. Errors are *metering.Error values.
type Store interface {
	// GetInvoice returns an invoice or credit note, or NotFound.
	GetInvoice(ctx context.Context, id string) (Record, error)
	// ListInvoices pages through a customer's invoices and credit notes
	// ("" = everyone's) by id (customer, then month).
	ListInvoices(ctx context.Context, customer string, p directory.Page) ([]Record, error)
	// InTx runs fn in one transaction, committed if fn returns nil and
	// rolled back otherwise (fn's error is returned). Transactions that
	// lock the same invoice or take numbers of the same sequence run one
	// after the other.
	InTx(ctx context.Context, fn func(Tx) error) error
}

// Tx is what the invoice lifecycle needs of one transaction (bound to the
// context InTx was given). Errors are *metering.Error values.
type Tx interface {
	// LockInvoice returns an invoice or credit note, locked until the
	// transaction ends, or NotFound.
	LockInvoice(id string) (Record, error)
	// CreditNotes returns the credit notes of an invoice.
	CreditNotes(invoiceID string) ([]Record, error)
	// NextNumber takes the next number of a sequence (1 for a new one);
	// a number of a transaction rolled back is taken again.
	NextNumber(sequence string) (int64, error)
	// InsertInvoice stores a new record: Conflict if its id exists,
	// NotFound if its customer does not.
	InsertInvoice(r Record) error
	// UpdateInvoice replaces the stored record of r.ID.
	UpdateInvoice(r Record) error
	// DeleteInvoice removes a record.
	DeleteInvoice(id string) error
}

// InvoiceID names a customer's invoice of a month.
func InvoiceID(customer string, year int, month time.Month) string {
	return fmt.Sprintf("%s-%04d-%02d", customer, year, int(month))
}

// creditNoteID names the nth credit note of an invoice.
func creditNoteID(invoiceID string, n int) string { return fmt.Sprintf("%s-cn%d", invoiceID, n) }

// Number sequences: final invoices by the year they were finalized in,
// credit notes by theirs, each without gaps.
func invoiceSequence(at time.Time) string    { return fmt.Sprint(at.Year()) }
func creditNoteSequence(at time.Time) string { return fmt.Sprintf("CN-%d", at.Year()) }

// number formats the nth number of a sequence: "2026-000001",
// "CN-2026-000001".
func number(sequence string, n int64) string { return fmt.Sprintf("%s-%06d", sequence, n) }

// Invoices applies the invoice lifecycle over a Store: drafts replaced by
// every run until finalized, final invoices numbered without gaps and
// never changed, corrected by credit notes.
type Invoices struct {
	store Store
	now   func() time.Time
}

// NewInvoices returns the lifecycle over store, dating finalizations and
// credit notes with now.
func NewInvoices(store Store, now func() time.Time) *Invoices {
	return &Invoices{store: store, now: now}
}

// Get returns an invoice or credit note, or NotFound.
func (s *Invoices) Get(ctx context.Context, id string) (Record, error) {
	return s.store.GetInvoice(ctx, id)
}

// List pages through a customer's invoices and credit notes ("" =
// everyone's) by id.
func (s *Invoices) List(ctx context.Context, customer string, p directory.Page) ([]Record, error) {
	return s.store.ListInvoices(ctx, customer, p)
}

// SaveDraft creates or replaces the draft r.ID (its status and kind are
// set). It returns a Conflict error wrapping ErrFinal if that invoice is
// final.
func (s *Invoices) SaveDraft(ctx context.Context, r Record) error {
	r.Status, r.Kind, r.Number, r.FinalizedAt = Draft, KindInvoice, "", time.Time{}
	return s.store.InTx(ctx, func(tx Tx) error {
		cur, err := tx.LockInvoice(r.ID)
		switch {
		case metering.KindOf(err) == metering.NotFound:
			return tx.InsertInvoice(r)
		case err != nil:
			return err
		case cur.Status != Draft:
			return &metering.Error{Kind: metering.Conflict, Message: "invoice " + r.ID + " is final", Err: ErrFinal}
		}
		r.Customer = cur.Customer
		return tx.UpdateInvoice(r)
	})
}

// DeleteDraft removes the draft id, if there is one (nothing otherwise).
// It returns a Conflict error wrapping ErrFinal if that invoice is final.
func (s *Invoices) DeleteDraft(ctx context.Context, id string) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		cur, err := tx.LockInvoice(id)
		switch {
		case metering.KindOf(err) == metering.NotFound:
			return nil
		case err != nil:
			return err
		case cur.Status != Draft:
			return &metering.Error{Kind: metering.Conflict, Message: "invoice " + id + " is final", Err: ErrFinal}
		}
		return tx.DeleteInvoice(id)
	})
}

// Finalize numbers a draft with the next number of its year's sequence,
// in one transaction (no gaps, no reuse). A final invoice gives Conflict
// wrapping ErrFinal, a credit note Conflict, a missing one NotFound.
func (s *Invoices) Finalize(ctx context.Context, id string) (Record, error) {
	at := s.now().UTC()
	var out Record
	err := s.store.InTx(ctx, func(tx Tx) error {
		r, err := tx.LockInvoice(id)
		switch {
		case err != nil:
			return err
		case r.Kind != KindInvoice:
			return metering.Errorf(metering.Conflict, "%s is a credit note: final from the start", id)
		case r.Status != Draft:
			return &metering.Error{Kind: metering.Conflict, Message: "invoice " + id + " is final already (" + r.Number + ")", Err: ErrFinal}
		}
		seq := invoiceSequence(at)
		n, err := tx.NextNumber(seq)
		if err != nil {
			return err
		}
		r.Status, r.Number, r.FinalizedAt = Final, number(seq, n), at
		out = r
		return tx.UpdateInvoice(r)
	})
	return out, err
}

// CreditNote issues a final, numbered credit note against a final invoice
// (see CreditNote for net and the limits), in one transaction with the
// check of what was credited before. It returns Conflict naming amount
// for more than is left, Conflict for a draft or a credit note, NotFound
// for a missing invoice.
func (s *Invoices) CreditNote(ctx context.Context, invoiceID string, net Money, reason string) (Record, error) {
	at := s.now().UTC()
	var out Record
	err := s.store.InTx(ctx, func(tx Tx) error {
		inv, err := tx.LockInvoice(invoiceID)
		if err != nil {
			return err
		}
		if inv.Kind != KindInvoice || inv.Status != Final {
			return metering.Errorf(metering.Conflict, "%s is not a final invoice: only final invoices are corrected by credit notes", invoiceID)
		}
		notes, err := tx.CreditNotes(invoiceID)
		if err != nil {
			return err
		}
		var credited Money
		for _, n := range notes {
			credited -= n.Invoice.Total
		}
		doc, err := CreditNote(inv.Invoice, net, reason, credited)
		if err != nil {
			return &metering.Error{Kind: metering.Conflict, Field: "amount", Message: err.Error()}
		}
		doc.Preceding = Reference{Number: inv.Number, IssueDate: inv.IssueDate()}
		seq := creditNoteSequence(at)
		n, err := tx.NextNumber(seq)
		if err != nil {
			return err
		}
		out = Record{ID: creditNoteID(invoiceID, len(notes)+1), Kind: KindCreditNote, Credits: invoiceID, Customer: inv.Customer,
			Status: Final, Number: number(seq, n), Invoice: doc, ComputedAt: at, FinalizedAt: at}
		return tx.InsertInvoice(out)
	})
	return out, err
}
