package billing

import "time"

// IssueDate is the day a final invoice or credit note was issued: the
// day of its finalization where the customer's period is (its time
// zone's offset at the end of the period). Zero for a draft.
func (r Record) IssueDate() time.Time {
	if r.FinalizedAt.IsZero() {
		return time.Time{}
	}
	at := r.FinalizedAt
	if end := r.Invoice.Period.To; !end.IsZero() {
		_, off := end.Zone()
		at = at.In(time.FixedZone("", off))
	}
	return time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
}

// DueDate is the day a final invoice is to be paid by: its issue date
// plus the seller's payment terms. Zero for a draft or a credit note.
func (r Record) DueDate() time.Time {
	if r.Kind == KindCreditNote || r.FinalizedAt.IsZero() {
		return time.Time{}
	}
	return r.IssueDate().AddDate(0, 0, r.Invoice.Seller.PaymentTermsDays)
}
