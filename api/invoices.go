package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/sla"
)

type invoiceLineJSON struct {
	Kind        string `json:"kind"`
	Mailbox     string `json:"mailbox,omitempty"`
	Service     string `json:"service,omitempty"`
	Description string `json:"description"`
	Amount      int64  `json:"amount"`
}

type evidenceJSON struct {
	Checks               int64   `json:"checks"`
	Successes            int64   `json:"successes"`
	AvailabilityPPM      int64   `json:"availability_ppm"`
	AvailabilityMet      bool    `json:"availability_met"`
	Deliveries           int64   `json:"deliveries"`
	DeliveredWithin      int64   `json:"delivered_within_target"`
	LatencySharePPM      int64   `json:"latency_share_ppm"`
	LatencyTargetSeconds float64 `json:"latency_target_seconds"`
	LatencyMet           bool    `json:"latency_met"`
	CreditBP             int64   `json:"credit_bp"`
	// Services are the covered services by the minute (absent from
	// invoices computed before they were measured so).
	Services      []sla.ServiceCredit `json:"services,omitempty"`
	CreditService string              `json:"credit_service,omitempty"`
}

// partyJSON is a seller or buyer as the invoice prints it.
type partyJSON struct {
	Name         string `json:"name"`
	Address      string `json:"address,omitempty"`
	PostalCode   string `json:"postal_code,omitempty"`
	City         string `json:"city,omitempty"`
	Country      string `json:"country,omitempty"`
	VATID        string `json:"vat_id,omitempty"`
	Registration string `json:"registration,omitempty"`
	Email        string `json:"email,omitempty"`
}

func partyOut(p billing.Party) *partyJSON {
	if p == (billing.Party{}) {
		return nil
	}
	return &partyJSON{p.Name, p.Address, p.PostalCode, p.City, p.Country, p.VATID, p.Registration, p.Email}
}

// invoiceJSON is an invoice; amounts are integer minor units of currency.
type invoiceJSON struct {
	ID         string            `json:"id"`
	Kind       string            `json:"kind"`
	Credits    string            `json:"credits,omitempty"`
	Customer   string            `json:"customer"`
	Status     string            `json:"status"`
	Number     string            `json:"number,omitempty"`
	Plan       string            `json:"plan"`
	Currency   string            `json:"currency"`
	PeriodFrom string            `json:"period_from"`
	PeriodTo   string            `json:"period_to"`
	Lines      []invoiceLineJSON `json:"lines"`
	Fees       int64             `json:"fees"`
	Subtotal   int64             `json:"subtotal"`
	Credit     int64             `json:"credit"`
	Net        int64             `json:"net"`
	Tax        int64             `json:"tax"`
	Total      int64             `json:"total"`
	// Exponent is the currency's minor unit (ISO 4217); NetDecimal and
	// TotalDecimal the amounts as the documents print them.
	Exponent     int          `json:"exponent"`
	NetDecimal   string       `json:"net_decimal"`
	TotalDecimal string       `json:"total_decimal"`
	Evidence     evidenceJSON `json:"evidence"`
	ComputedAt   string       `json:"computed_at"`
	FinalizedAt  string       `json:"finalized_at,omitempty"`
	// Documents: dates, parties and the tax rate.
	IssueDate        string     `json:"issue_date,omitempty"`
	DueDate          string     `json:"due_date,omitempty"`
	Corrects         string     `json:"corrects_number,omitempty"`
	Seller           *partyJSON `json:"seller,omitempty"`
	Buyer            *partyJSON `json:"buyer,omitempty"`
	PaymentTermsDays *int       `json:"payment_terms_days,omitempty"`
	TaxBP            int64      `json:"tax_bp"`
	TaxCategory      string     `json:"tax_category"`
	TaxSource        string     `json:"tax_source"`
	TaxNote          string     `json:"tax_note,omitempty"`
	Estimate         bool       `json:"estimate,omitempty"`
}

func invoiceOut(r billing.Record) invoiceJSON {
	inv, ev := r.Invoice, r.Invoice.Evidence
	out := invoiceJSON{ID: r.ID, Kind: r.Kind, Credits: r.Credits, Customer: r.Customer, Status: r.Status, Number: r.Number, Plan: inv.Plan, Currency: inv.Currency,
		PeriodFrom: rfc3339(inv.Period.From), PeriodTo: rfc3339(inv.Period.To), Lines: []invoiceLineJSON{},
		Fees: int64(inv.Fees), Subtotal: int64(inv.Subtotal), Credit: int64(inv.Credit), Net: int64(inv.Net), Tax: int64(inv.Tax), Total: int64(inv.Total),
		Evidence: evidenceJSON{ev.Checks, ev.Successes, ev.AvailabilityPPM, ev.AvailabilityMet, ev.Deliveries, ev.DeliveredWithin,
			ev.LatencySharePPM, ev.LatencyTarget.Seconds(), ev.LatencyMet, ev.CreditBP, ev.Services, ev.CreditService},
		ComputedAt: rfc3339(r.ComputedAt), NetDecimal: billing.FormatMoney(inv.Net, inv.Currency), TotalDecimal: billing.FormatMoney(inv.Total, inv.Currency)}
	out.Exponent, _ = billing.Exponent(inv.Currency)
	for _, l := range inv.Lines {
		out.Lines = append(out.Lines, invoiceLineJSON{l.Kind, l.Mailbox, l.Service, l.Description, int64(l.Amount)})
	}
	if !r.FinalizedAt.IsZero() {
		out.FinalizedAt = rfc3339(r.FinalizedAt)
	}
	documentOut(&out, r)
	return out
}

// documentOut adds what an invoice prints beyond its figures.
func documentOut(out *invoiceJSON, r billing.Record) {
	inv, rate := r.Invoice, r.Invoice.Rate()
	if d := r.IssueDate(); !d.IsZero() {
		out.IssueDate = d.Format(time.DateOnly)
	}
	if d := r.DueDate(); !d.IsZero() {
		out.DueDate = d.Format(time.DateOnly)
	}
	out.Corrects = inv.Preceding.Number
	out.Seller, out.Buyer = partyOut(inv.Seller.Party), partyOut(inv.Buyer)
	if out.Seller != nil {
		out.PaymentTermsDays = &inv.Seller.PaymentTermsDays
	}
	out.TaxBP, out.TaxCategory, out.TaxSource, out.TaxNote = rate.BasisPoints, rate.Category, rate.Source, rate.Note
	out.Estimate = r.Status == billing.StatusEstimate
}

func (a *app) listInvoices(c *gin.Context) {
	p, err := page(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	recs, err := a.Invoices.List(c.Request.Context(), tenantFilter(c), p)
	if err != nil {
		a.fail(c, err)
		return
	}
	writePage(c, p, recs, invoiceOut, func(r billing.Record) string { return r.ID })
}

// getInvoice answers an invoice as JSON, PDF, CSV or UBL XML, by the
// id's suffix (.pdf, .csv, .xml, .json) or else the Accept header.
func (a *app) getInvoice(c *gin.Context) {
	id, format := c.Param("id"), ""
	for ext, mt := range invoiceSuffixes {
		if base, ok := strings.CutSuffix(id, ext); ok {
			id, format = base, mt
		}
	}
	if format == "" {
		var err error
		if format, err = negotiate(c.GetHeader("Accept"), invoiceTypes); err != nil {
			a.fail(c, err)
			return
		}
	}
	r, err := a.Invoices.Get(c.Request.Context(), id)
	if err == nil {
		err = a.canSeeCustomer(c, r.Customer)
	}
	if err != nil {
		if metering.KindOf(err) == metering.NotFound {
			err = notFound("invoice", id) // the same answer whether it exists or belongs to another
		}
		a.fail(c, err)
		return
	}
	a.renderInvoice(c, r, format)
}

// invoicePreview answers the customer's invoice of the month so far, as
// JSON, PDF or CSV: an estimate, stored nowhere.
func (a *app) invoicePreview(c *gin.Context) {
	id := c.Param("id")
	format, err := negotiate(c.GetHeader("Accept"), invoiceTypes[:3])
	if err == nil {
		err = a.canSeeCustomer(c, id)
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	r, err := a.Billing.Preview(c.Request.Context(), id)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.renderInvoice(c, r, format)
}

type invoiceRunIn struct {
	Period   string `json:"period"`
	Customer string `json:"customer"`
}

type invoiceOutcomeJSON struct {
	ID       string `json:"id"`
	Customer string `json:"customer"`
	Total    int64  `json:"total"`
	Currency string `json:"currency,omitempty"`
	Skipped  string `json:"skipped,omitempty"`
}

// invoiceFailureJSON is a customer a run could not bill: the type, field
// and detail its own problem would have.
type invoiceFailureJSON struct {
	Customer string `json:"customer"`
	Type     string `json:"type"`
	Field    string `json:"field,omitempty"`
	Detail   string `json:"detail"`
}

// runProblemJSON answers a run in which every customer failed: the first
// failure as the problem, and all of them.
type runProblemJSON struct {
	Problem
	Failures []invoiceFailureJSON `json:"failures"`
}

// runInvoices answers 200 with the invoices made and the customers that
// failed, unless every customer of the run failed: then the first
// failure's problem (409 for a plan the configuration does not define),
// with all of them.
func (a *app) runInvoices(c *gin.Context) {
	var in invoiceRunIn
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	m, err := time.Parse("2006-01", in.Period)
	if err != nil {
		a.fail(c, metering.FieldError("period", "period %q: want YYYY-MM", in.Period))
		return
	}
	var only []string
	if in.Customer != "" {
		only = []string{in.Customer}
	}
	rep, err := a.Billing.Run(c.Request.Context(), m.Year(), m.Month(), only, nil)
	if err != nil {
		a.fail(c, err)
		return
	}
	res := make([]invoiceOutcomeJSON, len(rep.Outcomes))
	for i, o := range rep.Outcomes {
		res[i] = invoiceOutcomeJSON{o.ID, o.Customer, int64(o.Total), o.Currency, o.Skipped}
	}
	fails := a.runFailures(c, rep.Failures)
	if len(rep.Outcomes) == 0 && len(rep.Failures) > 0 {
		_ = c.Error(rep.Failures[0].Err)
		p := newProblem(c, a.log, rep.Failures[0].Err)
		c.Header("Content-Type", "application/problem+json")
		c.AbortWithStatusJSON(p.Status, runProblemJSON{p, fails})
		return
	}
	c.JSON(http.StatusOK, gin.H{"period": in.Period, "invoices": res, "failures": fails})
}

// runFailures describes each failure as its own problem would.
func (a *app) runFailures(c *gin.Context, fs []billing.Failure) []invoiceFailureJSON {
	out := make([]invoiceFailureJSON, len(fs))
	for i, f := range fs {
		p := newProblem(c, a.log, f.Err)
		out[i] = invoiceFailureJSON{Customer: f.Customer, Type: p.Type, Detail: p.Detail}
		if len(p.Errors) > 0 {
			out[i].Field = p.Errors[0].Field
		}
	}
	return out
}

type creditNoteIn struct {
	Reason string     `json:"reason"`
	Amount amountJSON `json:"amount"` // net; absent or 0 = all that is left
}

// amountJSON is an amount of money in a request: a string is a decimal of
// the currency ("12.50"), a number minor units (as the API took amounts
// before decimals).
type amountJSON struct {
	Decimal string
	Minor   int64
}

// UnmarshalJSON implements json.Unmarshaler.
func (a *amountJSON) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &a.Decimal)
	}
	return json.Unmarshal(b, &a.Minor)
}

func (a *app) creditInvoice(c *gin.Context) {
	var in creditNoteIn
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	if strings.TrimSpace(in.Reason) == "" {
		a.fail(c, metering.FieldError("reason", "a credit note needs a reason"))
		return
	}
	if in.Amount.Minor < 0 {
		a.fail(c, metering.FieldError("amount", "amount must not be negative"))
		return
	}
	var r billing.Record
	var err error
	if in.Amount.Decimal != "" {
		r, err = a.Invoices.CreditNoteOf(c.Request.Context(), c.Param("id"), in.Amount.Decimal, in.Reason)
	} else {
		r, err = a.Invoices.CreditNote(c.Request.Context(), c.Param("id"), billing.Money(in.Amount.Minor), in.Reason)
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Location", "/v1/invoices/"+r.ID)
	c.JSON(http.StatusCreated, invoiceOut(r))
}

func (a *app) finalizeInvoice(c *gin.Context) {
	r, err := a.Invoices.Finalize(c.Request.Context(), c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, invoiceOut(r))
}
