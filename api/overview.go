package api

import (
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
)

type fillJSON struct {
	Mailboxes int   `json:"mailboxes"`
	Limited   int   `json:"limited"`
	Over80    int   `json:"over_80"`
	Over90    int   `json:"over_90"`
	Over100   int   `json:"over_100"`
	Deciles   []int `json:"deciles"`
}

type quotaRowJSON struct {
	Mailbox string                    `json:"mailbox"`
	Domain  string                    `json:"domain"`
	Quota   quotaJSON                 `json:"quota"`
	Usage   map[metering.Metric]int64 `json:"usage"`
}

type quotaTableJSON struct {
	Customer   string         `json:"customer,omitempty"`
	Domain     string         `json:"domain,omitempty"`
	From       string         `json:"from"`
	To         string         `json:"to"`
	Sort       string         `json:"sort"`
	Order      string         `json:"order"`
	Total      int            `json:"total"`
	Fill       fillJSON       `json:"fill"`
	Mailboxes  []quotaRowJSON `json:"mailboxes"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// offsetCursor reads limit and an offset cursor (base64url of the offset).
func offsetCursor(c *gin.Context) (offset, limit int, err error) {
	p, err := page(c)
	if err != nil || p.After == "" {
		return 0, p.Limit, err
	}
	n, err := strconv.Atoi(p.After)
	if err != nil || n < 0 {
		return 0, 0, metering.FieldError("cursor", "cursor is not one this API returned")
	}
	return n, p.Limit, nil
}

// quotaTable lists mailboxes with their quota bars and usage, sorted and
// paged, and how full the whole selection is. A customer sees its own
// mailboxes only: another customer (or its domain) answers 404.
func (a *app) quotaTable(c *gin.Context) {
	from, ferr := queryTime(c, "from")
	to, terr := queryTime(c, "to")
	offset, limit, perr := offsetCursor(c)
	customer := tenantFilter(c)
	var err error
	if pr := principal(c); pr.Role == RoleCustomer && c.Query("customer") != "" && c.Query("customer") != pr.Subject {
		err = notFound("customer", c.Query("customer"))
	}
	domain := c.Query("domain")
	if domain != "" {
		var derr error
		if domain, derr = metering.NormalizeDomain(domain); derr != nil {
			err = first(err, &metering.Error{Kind: metering.Invalid, Field: "domain", Message: derr.Error()})
		}
	}
	if err = first(err, ferr, terr, perr); err != nil {
		a.fail(c, err)
		return
	}
	t, err := a.Overview.Mailboxes(c.Request.Context(), quota.OverviewInput{Customer: customer, Domain: domain, Search: c.Query("search"),
		From: from, To: to, Sort: c.Query("sort"), Order: c.Query("order"), Offset: offset, Limit: limit})
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, quotaTableOut(t, customer, domain, offset))
}

func quotaTableOut(t quota.MailboxTable, customer, domain string, offset int) quotaTableJSON {
	out := quotaTableJSON{Customer: customer, Domain: domain, From: rfc3339(t.From), To: rfc3339(t.To), Sort: t.Sort, Order: "asc", Total: t.Total,
		Fill:      fillJSON{t.Fill.Mailboxes, t.Fill.Limited, t.Fill.Over80, t.Fill.Over90, t.Fill.Over100, t.Fill.Deciles[:]},
		Mailboxes: make([]quotaRowJSON, len(t.Rows))}
	if t.Desc {
		out.Order = "desc"
	}
	for i, r := range t.Rows {
		out.Mailboxes[i] = quotaRowJSON{r.Mailbox, r.Domain, quotaOut(r.Quota), counters(r.Usage)}
	}
	if end := offset + len(t.Rows); end < t.Total {
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return out
}

type estimateJSON struct {
	Customer   string `json:"customer"`
	Name       string `json:"name"`
	Plan       string `json:"plan,omitempty"`
	Currency   string `json:"currency,omitempty"`
	PeriodFrom string `json:"period_from,omitempty"`
	PeriodTo   string `json:"period_to,omitempty"`
	Fees       int64  `json:"fees"`
	Credit     int64  `json:"credit"`
	Net        int64  `json:"net"`
	Tax        int64  `json:"tax"`
	Total      int64  `json:"total"`
	// Exponent is the currency's minor unit (ISO 4217: 2 for EUR, 0 for
	// JPY, 3 for BHD); NetDecimal and TotalDecimal the amounts as printed.
	Exponent     *int   `json:"exponent,omitempty"`
	NetDecimal   string `json:"net_decimal,omitempty"`
	TotalDecimal string `json:"total_decimal,omitempty"`
	Skipped      string `json:"skipped,omitempty"`
}

type estimatesJSON struct {
	Estimates []estimateJSON       `json:"estimates"`
	Failures  []invoiceFailureJSON `json:"failures"`
}

// estimates answers each customer's invoice of its month so far, stored
// nowhere; a customer reads its own.
func (a *app) estimates(c *gin.Context) {
	var ids []string
	if id := tenantFilter(c); id != "" {
		ids = []string{id}
	}
	if pr := principal(c); pr.Role == RoleCustomer && c.Query("customer") != "" && c.Query("customer") != pr.Subject {
		a.fail(c, notFound("customer", c.Query("customer")))
		return
	}
	es, fails, err := a.Billing.Estimates(c.Request.Context(), ids)
	if err != nil {
		a.fail(c, err)
		return
	}
	out := estimatesJSON{Estimates: make([]estimateJSON, len(es)), Failures: a.runFailures(c, fails)}
	for i, e := range es {
		out.Estimates[i] = estimateOut(e)
	}
	c.JSON(http.StatusOK, out)
}

func estimateOut(e billing.Estimate) estimateJSON {
	out := estimateJSON{Customer: e.Customer, Name: e.Name, Skipped: e.Skipped}
	if e.Skipped != "" {
		return out
	}
	inv := e.Invoice
	out.Plan, out.Currency, out.PeriodFrom, out.PeriodTo = inv.Plan, inv.Currency, rfc3339(inv.Period.From), rfc3339(inv.Period.To)
	out.Fees, out.Credit, out.Net, out.Tax, out.Total = int64(inv.Fees), int64(inv.Credit), int64(inv.Net), int64(inv.Tax), int64(inv.Total)
	exp, _ := billing.Exponent(inv.Currency)
	out.Exponent, out.NetDecimal, out.TotalDecimal = &exp, billing.FormatMoney(inv.Net, inv.Currency), billing.FormatMoney(inv.Total, inv.Currency)
	return out
}

type sourceHealthJSON struct {
	Source               string           `json:"source"`
	Seq                  int64            `json:"seq"`
	Offset               int64            `json:"offset"`
	CheckpointAt         string           `json:"checkpoint_at,omitempty"`
	CheckpointAgeSeconds float64          `json:"checkpoint_age_seconds"`
	Live                 bool             `json:"live"`
	Path                 string           `json:"path,omitempty"`
	Format               string           `json:"format,omitempty"`
	LagBytes             int64            `json:"lag_bytes"`
	LagSeconds           float64          `json:"lag_seconds"`
	Lines                int64            `json:"lines"`
	UnknownLines         int64            `json:"unknown_lines"`
	Unknown              map[string]int64 `json:"unknown"`
	OpenMessages         int              `json:"open_messages"`
	Evicted              int64            `json:"evicted"`
	Commits              int64            `json:"commits"`
	CommitErrors         int64            `json:"commit_errors"`
	Gaps                 int64            `json:"gaps"`
}

// collectors answers the metering sources' health: stored checkpoints and
// what the sources this process reads know.
func (a *app) collectors(c *gin.Context) {
	ss, err := a.Collectors.Sources(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	out := make([]sourceHealthJSON, len(ss))
	for i, s := range ss {
		out[i] = sourceHealthJSON{Source: s.Source, Seq: s.Seq, Offset: s.Offset, CheckpointAgeSeconds: s.CheckpointAge.Seconds(),
			Live: s.Live, Path: s.Path, Format: s.Format, LagBytes: s.LagBytes, LagSeconds: s.LagSeconds, Lines: s.Lines,
			UnknownLines: s.UnknownLines, Unknown: s.Unknown, OpenMessages: s.Open, Evicted: s.Evicted, Commits: s.Commits,
			CommitErrors: s.CommitErrors, Gaps: s.Gaps}
		if !s.CheckpointAt.IsZero() {
			out[i].CheckpointAt = rfc3339(s.CheckpointAt)
		}
	}
	c.JSON(http.StatusOK, gin.H{"sources": out})
}
