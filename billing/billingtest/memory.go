// Package billingtest gives tests of the invoice lifecycle an in-memory
// billing.Store, so the lifecycle's rules are checked on it as well as on
// the SQLite and PostgreSQL stores (the same tests run on all three).
package billingtest

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
)

var _ billing.Store = (*Store)(nil)

// Store keeps invoices in memory. Transactions run one at a time (one
// lock, held from begin to end) on a copy that replaces the data only on
// commit, so a failed one leaves nothing behind.
type Store struct {
	mu       sync.Mutex
	invoices map[string]billing.Record
	seqs     map[string]int64
}

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{invoices: map[string]billing.Record{}, seqs: map[string]int64{}}
}

// GetInvoice implements billing.Store.
func (s *Store) GetInvoice(_ context.Context, id string) (billing.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return get(s.invoices, id)
}

// ListInvoices implements billing.Store (100 a page by default, 1000 at
// most, like the database stores).
func (s *Store) ListInvoices(_ context.Context, customer string, p directory.Page) ([]billing.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := min(p.Limit, 1000)
	if limit <= 0 {
		limit = 100
	}
	out := []billing.Record{}
	for _, id := range slices.Sorted(maps.Keys(s.invoices)) {
		r := s.invoices[id]
		if id > p.After && (customer == "" || r.Customer == customer) && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

// InTx implements billing.Store.
func (s *Store) InTx(ctx context.Context, fn func(billing.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	tx := &memTx{invoices: maps.Clone(s.invoices), seqs: maps.Clone(s.seqs)}
	if err := fn(tx); err != nil {
		return err
	}
	s.invoices, s.seqs = tx.invoices, tx.seqs
	return nil
}

// memTx is one transaction's copy of the data.
type memTx struct {
	invoices map[string]billing.Record
	seqs     map[string]int64
}

func get(invoices map[string]billing.Record, id string) (billing.Record, error) {
	r, ok := invoices[id]
	if !ok {
		return billing.Record{}, metering.Errorf(metering.NotFound, "invoice %s does not exist", id)
	}
	return r, nil
}

func (t *memTx) LockInvoice(id string) (billing.Record, error) { return get(t.invoices, id) }

func (t *memTx) CreditNotes(invoiceID string) ([]billing.Record, error) {
	var out []billing.Record
	for _, id := range slices.Sorted(maps.Keys(t.invoices)) {
		if t.invoices[id].Credits == invoiceID {
			out = append(out, t.invoices[id])
		}
	}
	return out, nil
}

func (t *memTx) NextNumber(seq string) (int64, error) {
	t.seqs[seq]++
	return t.seqs[seq], nil
}

func (t *memTx) InsertInvoice(r billing.Record) error {
	if _, dup := t.invoices[r.ID]; dup {
		return metering.Errorf(metering.Conflict, "invoice %s exists", r.ID)
	}
	t.invoices[r.ID] = r
	return nil
}

func (t *memTx) UpdateInvoice(r billing.Record) error {
	if _, ok := t.invoices[r.ID]; !ok {
		return metering.Errorf(metering.NotFound, "invoice %s does not exist", r.ID)
	}
	t.invoices[r.ID] = r
	return nil
}

func (t *memTx) DeleteInvoice(id string) error {
	delete(t.invoices, id)
	return nil
}
