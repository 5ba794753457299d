package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
)

// unknownUsageJSON is the usage of addresses outside the directory: how
// many, and their counters summed.
type unknownUsageJSON struct {
	Addresses int                       `json:"addresses"`
	Totals    map[metering.Metric]int64 `json:"totals"`
}

type unknownDomainJSON struct {
	Domain string `json:"domain"`
	Hosted bool   `json:"hosted"`
	unknownUsageJSON
}

type unknownAddressJSON struct {
	Address string                    `json:"address"`
	Values  map[metering.Metric]int64 `json:"values"`
}

type unknownReportJSON struct {
	From      string               `json:"from"`
	To        string               `json:"to"`
	Sort      string               `json:"sort"`
	Order     string               `json:"order"`
	Unknown   unknownUsageJSON     `json:"unknown"`
	Domains   []unknownDomainJSON  `json:"domains"`
	Addresses []unknownAddressJSON `json:"addresses"`
}

// unknownUsage reports the usage of addresses the directory never held:
// per domain and the top addresses.
func (a *app) unknownUsage(c *gin.Context) {
	from, ferr := queryTime(c, "from")
	to, terr := queryTime(c, "to")
	limit, lerr := queryInt(c, "limit", quota.DefaultUnknownTop)
	if err := first(ferr, terr, lerr); err != nil {
		a.fail(c, err)
		return
	}
	rep, err := a.Reports.Unknown(c.Request.Context(), quota.UnknownInput{From: from, To: to,
		Sort: c.Query("sort"), Order: c.Query("order"), Limit: int(limit)})
	if err != nil {
		a.fail(c, err)
		return
	}
	out := unknownReportJSON{From: rfc3339(rep.From), To: rfc3339(rep.To), Sort: string(rep.SortBy), Order: "asc",
		Unknown:   unknownUsageJSON{rep.All.Addresses, rep.All.Totals},
		Domains:   make([]unknownDomainJSON, len(rep.Domains)),
		Addresses: make([]unknownAddressJSON, len(rep.Top))}
	if rep.Desc {
		out.Order = "desc"
	}
	for i, d := range rep.Domains {
		out.Domains[i] = unknownDomainJSON{d.Domain, d.Hosted, unknownUsageJSON{d.Addresses, d.Totals}}
	}
	for i, t := range rep.Top {
		vals := make(map[metering.Metric]int64, len(metering.CounterMetrics))
		for _, m := range metering.CounterMetrics {
			vals[m] = t.Values[m]
		}
		out.Addresses[i] = unknownAddressJSON{t.Mailbox, vals}
	}
	c.JSON(http.StatusOK, out)
}
