package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// blacklists answers GET /v1/sla/blacklists: the DNSBL listings of the
// outgoing IPs over a range (default this month so far).
func (a *app) blacklists(c *gin.Context) {
	from, ferr := queryTime(c, "from")
	to, terr := queryTime(c, "to")
	if err := first(ferr, terr); err != nil {
		a.fail(c, err)
		return
	}
	rep, err := a.Blacklists.Report(c.Request.Context(), from, to)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, rep)
}
