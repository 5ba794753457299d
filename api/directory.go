package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
)

type customerJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Currency  string `json:"currency"`
	Timezone  string `json:"timezone"`
	Plan      string `json:"plan"`
	CreatedAt string `json:"created_at"`
	billingJSON
}

// billingJSON are a customer's billing details; tax_bp null = the plan's
// rate.
type billingJSON struct {
	LegalName    string `json:"legal_name"`
	Address      string `json:"address"`
	PostalCode   string `json:"postal_code"`
	City         string `json:"city"`
	Country      string `json:"country"`
	VATID        string `json:"vat_id"`
	BillingEmail string `json:"billing_email"`
	TaxBP        *int64 `json:"tax_bp"`
}

func (b billingJSON) details() directory.BillingDetails {
	return directory.BillingDetails{LegalName: b.LegalName, Address: b.Address, PostalCode: b.PostalCode, City: b.City,
		Country: b.Country, VATID: b.VATID, Email: b.BillingEmail, TaxBP: b.TaxBP}
}

func customerOut(c directory.Customer) customerJSON {
	b := c.Billing
	return customerJSON{c.ID, c.Name, c.Currency, c.Timezone, c.Plan, rfc3339(c.CreatedAt),
		billingJSON{b.LegalName, b.Address, b.PostalCode, b.City, b.Country, b.VATID, b.Email, b.TaxBP}}
}

type customerIn struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Currency string `json:"currency"`
	Timezone string `json:"timezone"`
	Plan     string `json:"plan"`
	billingJSON
}

func (a *app) createCustomer(c *gin.Context) {
	var in customerIn
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	cu, err := a.Directory.AddCustomer(c.Request.Context(), directory.CustomerInput{ID: in.ID, Name: in.Name, Currency: in.Currency,
		Timezone: in.Timezone, Plan: in.Plan, Billing: in.details()})
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Location", "/v1/customers/"+cu.ID)
	c.JSON(http.StatusCreated, customerOut(cu))
}

func (a *app) listCustomers(c *gin.Context) {
	p, err := page(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	var cs []directory.Customer
	if pr := principal(c); pr.Role == RoleCustomer {
		cu, err := a.Directory.Customer(c.Request.Context(), pr.Subject)
		if err == nil && cu.ID > p.After {
			cs = append(cs, cu)
		} else if err != nil && metering.KindOf(err) != metering.NotFound {
			a.fail(c, err)
			return
		}
	} else if cs, err = a.Directory.ListCustomers(c.Request.Context(), p); err != nil {
		a.fail(c, err)
		return
	}
	writePage(c, p, cs, customerOut, func(cu directory.Customer) string { return cu.ID })
}

func (a *app) getCustomer(c *gin.Context) {
	id := c.Param("id")
	if err := a.canSeeCustomer(c, id); err != nil {
		a.fail(c, err)
		return
	}
	cu, err := a.Directory.Customer(c.Request.Context(), id)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, customerOut(cu))
}

// customerPatchIn is the body of PATCH /v1/customers/{id}: absent fields
// stay as they are.
type customerPatchIn struct {
	Name         *string     `json:"name"`
	Currency     *string     `json:"currency"`
	Timezone     *string     `json:"timezone"`
	Plan         *string     `json:"plan"`
	LegalName    *string     `json:"legal_name"`
	Address      *string     `json:"address"`
	PostalCode   *string     `json:"postal_code"`
	City         *string     `json:"city"`
	Country      *string     `json:"country"`
	VATID        *string     `json:"vat_id"`
	BillingEmail *string     `json:"billing_email"`
	TaxBP        optionalInt `json:"tax_bp"`
	// PlanEffective is the day a plan change takes effect (YYYY-MM-DD in
	// the customer's zone); "" = today.
	PlanEffective string `json:"plan_effective_from"`
}

// optionalInt tells a field left out (Set false) from null (Set, Value
// nil) and a number.
type optionalInt struct {
	Set   bool
	Value *int64
}

// UnmarshalJSON implements json.Unmarshaler; it is called for null too.
func (o *optionalInt) UnmarshalJSON(b []byte) error {
	o.Set = true
	return json.Unmarshal(b, &o.Value)
}

func (a *app) updateCustomer(c *gin.Context) {
	var in customerPatchIn
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	var from time.Time
	if in.PlanEffective != "" {
		var err error
		if from, err = time.Parse(time.DateOnly, in.PlanEffective); err != nil {
			a.fail(c, metering.FieldError("plan_effective_from", "plan_effective_from %q: want YYYY-MM-DD", in.PlanEffective))
			return
		}
	}
	cu, err := a.Directory.UpdateCustomer(c.Request.Context(), c.Param("id"),
		directory.CustomerPatch{PlanEffective: from, Name: in.Name, Currency: in.Currency, Timezone: in.Timezone, Plan: in.Plan,
			LegalName: in.LegalName, Address: in.Address, PostalCode: in.PostalCode, City: in.City, Country: in.Country,
			VATID: in.VATID, Email: in.BillingEmail, TaxBP: in.TaxBP.Value, ClearTaxBP: in.TaxBP.Set && in.TaxBP.Value == nil})
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, customerOut(cu))
}

func (a *app) removeCustomer(c *gin.Context) {
	if err := a.Directory.RemoveCustomer(c.Request.Context(), c.Param("id")); err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type domainJSON struct {
	Domain    string `json:"domain"`
	Customer  string `json:"customer"`
	CreatedAt string `json:"created_at"`
}

func domainOut(d directory.Domain) domainJSON {
	return domainJSON{d.Name, d.CustomerID, rfc3339(d.CreatedAt)}
}

type domainIn struct {
	Domain   string `json:"domain"`
	Customer string `json:"customer"`
}

func (a *app) createDomain(c *gin.Context) {
	var in domainIn
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	d, err := a.Directory.AddDomain(c.Request.Context(), directory.DomainInput{Name: in.Domain, CustomerID: in.Customer})
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Location", "/v1/domains/"+d.Name)
	c.JSON(http.StatusCreated, domainOut(d))
}

func (a *app) listDomains(c *gin.Context) {
	p, err := page(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	ds, err := a.Directory.ListDomains(c.Request.Context(), tenantFilter(c), p)
	if err != nil {
		a.fail(c, err)
		return
	}
	writePage(c, p, ds, domainOut, func(d directory.Domain) string { return d.Name })
}

func (a *app) getDomain(c *gin.Context) {
	name, err := pathDomain(c)
	if err == nil {
		err = a.canSeeDomain(c, name)
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	d, err := a.Directory.Domain(c.Request.Context(), name)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, domainOut(d))
}

// domainPatchIn is the body of PATCH /v1/domains/{domain}: the customer
// the domain moves to.
type domainPatchIn struct {
	Customer string `json:"customer"`
}

func (a *app) updateDomain(c *gin.Context) {
	name, err := pathDomain(c)
	var in domainPatchIn
	if err == nil {
		err = bindJSON(c, &in)
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	d, err := a.Directory.MoveDomain(c.Request.Context(), name, in.Customer)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, domainOut(d))
}

func (a *app) removeDomain(c *gin.Context) {
	name, err := pathDomain(c)
	if err == nil {
		err = a.Directory.RemoveDomain(c.Request.Context(), name)
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type mailboxJSON struct {
	Address   string `json:"address"`
	Domain    string `json:"domain"`
	CreatedAt string `json:"created_at"`
	DeletedAt string `json:"deleted_at,omitempty"`
}

func mailboxOut(m directory.Mailbox) mailboxJSON {
	out := mailboxJSON{Address: m.Address, Domain: m.Domain, CreatedAt: rfc3339(m.CreatedAt)}
	if m.DeletedAt != nil {
		out.DeletedAt = rfc3339(*m.DeletedAt)
	}
	return out
}

type mailboxIn struct {
	Address   string    `json:"address"`
	CreatedAt time.Time `json:"created_at"`
}

func (a *app) createMailbox(c *gin.Context) {
	var in mailboxIn
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	m, err := a.Directory.AddMailbox(c.Request.Context(), directory.MailboxInput{Address: in.Address, Created: in.CreatedAt})
	if err != nil {
		a.fail(c, renameField(err, "created", "created_at"))
		return
	}
	c.Header("Location", "/v1/mailboxes/"+m.Address)
	c.JSON(http.StatusCreated, mailboxOut(m))
}

func (a *app) listMailboxes(c *gin.Context) {
	p, err := page(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	f := directory.MailboxFilter{Domain: c.Query("domain"), CustomerID: tenantFilter(c)}
	ms, err := a.Directory.ListMailboxes(c.Request.Context(), f, p)
	if err != nil {
		a.fail(c, err)
		return
	}
	writePage(c, p, ms, mailboxOut, func(m directory.Mailbox) string { return m.Address })
}

func (a *app) getMailbox(c *gin.Context) {
	addr, err := pathAddress(c)
	if err == nil {
		err = a.canSeeMailbox(c, addr)
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	m, err := a.Directory.Mailbox(c.Request.Context(), addr)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, mailboxOut(m))
}

func (a *app) removeMailbox(c *gin.Context) {
	addr, err := pathAddress(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	if err := a.Directory.RemoveMailbox(c.Request.Context(), addr, time.Time{}); err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// renameField renames the field of a domain error to its API name.
func renameField(err error, from, to string) error {
	var de *metering.Error
	if !errors.As(err, &de) || de.Field != from {
		return err
	}
	e := *de
	e.Field = to
	return &e
}
