package billing

import (
	"context"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// StatusEstimate is the status of a preview: computed as a run would, never
// stored, numbered or sent.
const StatusEstimate = "estimate"

// Preview computes a customer's invoice of the current month (in its time
// zone) so far, as a run would: mailboxes are charged as if they stay to
// the end of the month, usage is what was measured until now, the SLA
// credit what the service level so far gives. Nothing is stored; the
// record has status StatusEstimate. It returns NotFound for a customer that
// does not exist, Conflict naming plan for one without a plan or with one
// not defined (or priced in another currency).
func (r *Runner) Preview(ctx context.Context, customer string) (Record, error) {
	c, err := r.src.Directory.GetCustomer(ctx, customer)
	if err != nil {
		return Record{}, err
	}
	changes, err := r.plansOver(ctx, c)
	if err != nil {
		return Record{}, err
	}
	if !anyPlan(changes) {
		return Record{}, &metering.Error{Kind: metering.Conflict, Field: "plan", Message: "customer " + c.ID + " has no plan: there is no invoice to estimate"}
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return Record{}, err
	}
	now := r.now()
	local := now.In(loc)
	per := Month(local.Year(), local.Month(), loc)
	spans, err := r.spansOf(ctx, c, changes, per)
	if err != nil {
		return Record{}, err
	}
	if len(spans) == 0 {
		return Record{}, &metering.Error{Kind: metering.Conflict, Field: "plan", Message: "customer " + c.ID + " has no plan this month: there is no invoice to estimate"}
	}
	lifetimes, err := r.lifetimes(ctx, c.ID)
	if err != nil {
		return Record{}, err
	}
	in, err := r.gather(ctx, c, spans, per, lifetimes, newLevelCache(r.src.Levels))
	if err != nil {
		return Record{}, err
	}
	inv, err := Compute(in)
	if err != nil {
		return Record{}, err
	}
	return Record{ID: InvoiceID(c.ID, local.Year(), local.Month()), Kind: KindInvoice, Customer: c.ID, Status: StatusEstimate,
		Invoice: inv, ComputedAt: now.UTC()}, nil
}
