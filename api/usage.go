package api

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
)

type seriesPointJSON struct {
	Start    string                    `json:"start"`
	Counters map[metering.Metric]int64 `json:"counters"`
	Gauges   map[metering.Metric]int64 `json:"gauges"`
}

type seriesJSON struct {
	Mailbox     string            `json:"mailbox"`
	From        string            `json:"from"`
	To          string            `json:"to"`
	Granularity string            `json:"granularity"`
	Timezone    string            `json:"timezone"`
	Points      []seriesPointJSON `json:"points"`
}

func (a *app) mailboxUsage(c *gin.Context) {
	addr, err := pathAddress(c)
	if err == nil {
		err = a.canSeeMailbox(c, addr)
	}
	from, ferr := queryTime(c, "from")
	to, terr := queryTime(c, "to")
	if err = first(err, ferr, terr); err != nil {
		a.fail(c, err)
		return
	}
	q, pts, err := a.Reports.Series(c.Request.Context(), metering.SeriesInput{Mailbox: addr, From: from, To: to,
		Granularity: c.Query("granularity"), Timezone: c.Query("tz")})
	if err != nil {
		a.fail(c, err)
		return
	}
	out := seriesJSON{Mailbox: q.Mailbox, From: rfc3339(q.From), To: rfc3339(q.To), Granularity: string(q.Granularity),
		Timezone: q.Location.String(), Points: make([]seriesPointJSON, len(pts))}
	for i, p := range pts {
		out.Points[i] = seriesPointJSON{Start: rfc3339(p.Start), Counters: p.Counters, Gauges: p.Gauges}
	}
	c.JSON(http.StatusOK, out)
}

type mailboxTotalsJSON struct {
	Mailbox string                    `json:"mailbox"`
	Values  map[metering.Metric]int64 `json:"values"`
}

type breakdownJSON struct {
	Customer   string                    `json:"customer,omitempty"`
	Domain     string                    `json:"domain,omitempty"`
	From       string                    `json:"from"`
	To         string                    `json:"to"`
	Sort       string                    `json:"sort"`
	Order      string                    `json:"order"`
	Totals     map[metering.Metric]int64 `json:"totals"`
	Mailboxes  []mailboxTotalsJSON       `json:"mailboxes"`
	NextCursor string                    `json:"next_cursor,omitempty"`
	Unknown    unknownUsageJSON          `json:"unknown"`
}

func breakdownInput(c *gin.Context) (quota.BreakdownInput, error) {
	from, ferr := queryTime(c, "from")
	to, terr := queryTime(c, "to")
	return quota.BreakdownInput{From: from, To: to, Sort: c.Query("sort"), Order: c.Query("order")}, first(ferr, terr)
}

func (a *app) domainUsage(c *gin.Context) {
	d, err := pathDomain(c)
	if err == nil {
		err = a.canSeeDomain(c, d)
	}
	in, ierr := breakdownInput(c)
	p, perr := page(c)
	if err = first(err, ierr, perr); err != nil {
		a.fail(c, err)
		return
	}
	b, err := a.Reports.DomainUsage(c.Request.Context(), d, in)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.renderBreakdown(c, breakdownJSON{Domain: d}, b, p.After, p.Limit)
}

func (a *app) customerUsage(c *gin.Context) {
	id := c.Param("id")
	err := a.canSeeCustomer(c, id)
	in, ierr := breakdownInput(c)
	p, perr := page(c)
	if err = first(err, ierr, perr); err != nil {
		a.fail(c, err)
		return
	}
	b, err := a.Reports.CustomerUsage(c.Request.Context(), id, in)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.renderBreakdown(c, breakdownJSON{Customer: id}, b, p.After, p.Limit)
}

// renderBreakdown pages the sorted mailboxes; the cursor is the offset.
func (a *app) renderBreakdown(c *gin.Context, out breakdownJSON, b quota.Breakdown, after string, limit int) {
	offset := 0
	if after != "" {
		n, err := strconv.Atoi(after)
		if err != nil || n < 0 {
			a.fail(c, metering.FieldError("cursor", "cursor is not one this API returned"))
			return
		}
		offset = min(n, len(b.Mailboxes))
	}
	end := min(offset+limit, len(b.Mailboxes))
	out.From, out.To, out.Sort, out.Totals = rfc3339(b.From), rfc3339(b.To), string(b.SortBy), b.Totals
	out.Unknown = unknownUsageJSON{b.Unknown.Addresses, b.Unknown.Totals}
	out.Order = "asc"
	if b.Desc {
		out.Order = "desc"
	}
	out.Mailboxes = make([]mailboxTotalsJSON, 0, end-offset)
	metrics := slices.Concat(metering.CounterMetrics, metering.GaugeMetrics)
	for _, t := range b.Mailboxes[offset:end] {
		vals := make(map[metering.Metric]int64, len(metrics))
		for _, m := range metrics {
			vals[m] = t.Values[m]
		}
		out.Mailboxes = append(out.Mailboxes, mailboxTotalsJSON{t.Mailbox, vals})
	}
	if end < len(b.Mailboxes) {
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	c.JSON(http.StatusOK, out)
}

type latencyFiguresJSON struct {
	Count           int64   `json:"count"`
	P50Ms           float64 `json:"p50_ms"`
	P90Ms           float64 `json:"p90_ms"`
	P99Ms           float64 `json:"p99_ms"`
	WithinTarget    float64 `json:"within_target"`
	WithinTargetMax float64 `json:"within_target_max"`
}

type latencyJSON struct {
	From       string                                    `json:"from"`
	To         string                                    `json:"to"`
	Domain     string                                    `json:"domain,omitempty"`
	TargetMs   int64                                     `json:"target_ms"`
	Directions map[metering.Direction]latencyFiguresJSON `json:"directions"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (a *app) latency(c *gin.Context) {
	from, ferr := queryTime(c, "from")
	to, terr := queryTime(c, "to")
	target, gerr := queryInt(c, "target_ms", 0)
	err := first(ferr, terr, gerr)
	if err == nil && principal(c).Role == RoleCustomer {
		err = a.customerLatencyDomain(c)
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	rep, err := a.Reports.Latency(c.Request.Context(), quota.LatencyInput{From: from, To: to, Domain: c.Query("domain"),
		Direction: c.Query("direction"), Target: time.Duration(target) * time.Millisecond})
	if err != nil {
		a.fail(c, err)
		return
	}
	out := latencyJSON{From: rfc3339(rep.From), To: rfc3339(rep.To), Domain: rep.Domain, TargetMs: rep.Target.Milliseconds(),
		Directions: map[metering.Direction]latencyFiguresJSON{}}
	for d, f := range rep.Directions {
		out.Directions[d] = latencyFiguresJSON{f.Count, ms(f.P50), ms(f.P90), ms(f.P99), f.WithinTarget, f.WithinTargetMax}
	}
	c.JSON(http.StatusOK, out)
}

// customerLatencyDomain checks that a customer asks for one of its own
// domains: 403 without a domain, 404 for another tenant's.
func (a *app) customerLatencyDomain(c *gin.Context) error {
	if c.Query("domain") == "" {
		return metering.Errorf(metering.Forbidden, "a customer may read the latency of its own domains only: give domain")
	}
	d, err := metering.NormalizeDomain(c.Query("domain"))
	if err != nil {
		return &metering.Error{Kind: metering.Invalid, Field: "domain", Message: err.Error()}
	}
	return a.canSeeDomain(c, d)
}

type probeJSON struct {
	Probe        string  `json:"probe"`
	Checks       int64   `json:"checks"`
	Successes    int64   `json:"successes"`
	Availability float64 `json:"availability"`
}

type availabilityJSON struct {
	From   string      `json:"from"`
	To     string      `json:"to"`
	Probes []probeJSON `json:"probes"`
}

func (a *app) availability(c *gin.Context) {
	from, ferr := queryTime(c, "from")
	to, terr := queryTime(c, "to")
	if err := first(ferr, terr); err != nil {
		a.fail(c, err)
		return
	}
	rep, err := a.Reports.Availability(c.Request.Context(), from, to)
	if err != nil {
		a.fail(c, err)
		return
	}
	out := availabilityJSON{From: rfc3339(rep.From), To: rfc3339(rep.To), Probes: make([]probeJSON, len(rep.Probes))}
	for i, p := range rep.Probes {
		out.Probes[i] = probeJSON{p.Probe, p.Attempts, p.Successes, p.Share()}
	}
	c.JSON(http.StatusOK, out)
}
