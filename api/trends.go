package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
)

// bucketsIn reads the time axis of a chart: from, to, granularity, tz.
func bucketsIn(c *gin.Context) (metering.BucketsInput, error) {
	from, ferr := queryTime(c, "from")
	to, terr := queryTime(c, "to")
	return metering.BucketsInput{From: from, To: to, Granularity: c.Query("granularity"), Timezone: c.Query("tz")}, first(ferr, terr)
}

type axisJSON struct {
	From        string `json:"from"`
	To          string `json:"to"`
	Granularity string `json:"granularity"`
	Timezone    string `json:"timezone"`
}

func axisOut(b metering.Buckets) axisJSON {
	return axisJSON{rfc3339(b.From), rfc3339(b.To), string(b.Granularity), b.Location.String()}
}

type trafficPointJSON struct {
	Start    string                    `json:"start"`
	Counters map[metering.Metric]int64 `json:"counters"`
}

type trafficJSON struct {
	axisJSON
	Scope  string             `json:"scope"`
	Points []trafficPointJSON `json:"points"`
}

// traffic is the service's traffic over time (mailgraph's picture).
func (a *app) traffic(c *gin.Context) {
	in, err := bucketsIn(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	t, err := a.Trends.Traffic(c.Request.Context(), quota.TrafficInput{BucketsInput: in, Scope: c.Query("scope")})
	if err != nil {
		a.fail(c, err)
		return
	}
	out := trafficJSON{axisJSON: axisOut(t.Buckets), Scope: t.Scope, Points: make([]trafficPointJSON, len(t.Points))}
	for i, p := range t.Points {
		out.Points[i] = trafficPointJSON{rfc3339(p.Start), p.Counters}
	}
	c.JSON(http.StatusOK, out)
}

type latencyPointJSON struct {
	Start      string                                    `json:"start"`
	Directions map[metering.Direction]latencyFiguresJSON `json:"directions"`
}

type latencySeriesJSON struct {
	axisJSON
	Domain   string             `json:"domain,omitempty"`
	TargetMs int64              `json:"target_ms"`
	Points   []latencyPointJSON `json:"points"`
}

func figuresOut(f quota.LatencyFigures) latencyFiguresJSON {
	return latencyFiguresJSON{f.Count, ms(f.P50), ms(f.P90), ms(f.P99), f.WithinTarget, f.WithinTargetMax}
}

// latencySeries is delivery latency over time; a customer reads its own
// domains' only, as with GET /v1/latency.
func (a *app) latencySeries(c *gin.Context) {
	in, err := bucketsIn(c)
	target, gerr := queryInt(c, "target_ms", 0)
	err = first(err, gerr)
	if err == nil && principal(c).Role == RoleCustomer {
		err = a.customerLatencyDomain(c)
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	s, err := a.Trends.LatencySeries(c.Request.Context(), quota.LatencySeriesInput{BucketsInput: in, Domain: c.Query("domain"),
		Target: time.Duration(target) * time.Millisecond})
	if err != nil {
		a.fail(c, err)
		return
	}
	out := latencySeriesJSON{axisJSON: axisOut(s.Buckets), Domain: s.Domain, TargetMs: s.Target.Milliseconds(),
		Points: make([]latencyPointJSON, len(s.Points))}
	for i, p := range s.Points {
		dirs := make(map[metering.Direction]latencyFiguresJSON, len(p.Directions))
		for d, f := range p.Directions {
			dirs[d] = figuresOut(f)
		}
		out.Points[i] = latencyPointJSON{rfc3339(p.Start), dirs}
	}
	c.JSON(http.StatusOK, out)
}

type topJSON struct {
	From      string              `json:"from"`
	To        string              `json:"to"`
	Metric    string              `json:"metric"`
	Mailboxes []mailboxTotalsJSON `json:"mailboxes"`
}

// topMailboxes lists the directory's mailboxes with the most of a counter
// (top senders: out_bytes; top receivers: in_bytes).
func (a *app) topMailboxes(c *gin.Context) {
	from, ferr := queryTime(c, "from")
	to, terr := queryTime(c, "to")
	limit, lerr := queryInt(c, "limit", 10)
	if err := first(ferr, terr, lerr); err != nil {
		a.fail(c, err)
		return
	}
	top, err := a.Trends.Top(c.Request.Context(), quota.TopInput{From: from, To: to, Metric: metering.Metric(c.Query("metric")), Limit: int(min(limit, 1<<20))})
	if err != nil {
		a.fail(c, err)
		return
	}
	out := topJSON{From: rfc3339(top.From), To: rfc3339(top.To), Metric: string(top.Metric), Mailboxes: make([]mailboxTotalsJSON, len(top.Mailboxes))}
	for i, t := range top.Mailboxes {
		out.Mailboxes[i] = mailboxTotalsJSON{t.Mailbox, counters(t.Values)}
	}
	c.JSON(http.StatusOK, out)
}

// counters returns every counter metric of vals (zero when absent).
func counters(vals map[metering.Metric]int64) map[metering.Metric]int64 {
	out := make(map[metering.Metric]int64, len(metering.CounterMetrics))
	for _, m := range metering.CounterMetrics {
		out[m] = vals[m]
	}
	return out
}
