package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/metering"
)

// CORS: browsers on the configured origins (a webmail showing the quota
// widget, a customer portal) may call the API with a bearer token. Origins
// are matched exactly; there is no wildcard, and no cookies are involved
// (Access-Control-Allow-Credentials is never sent): the token travels in
// the Authorization header.
const (
	corsMethods = "GET, POST, PUT, PATCH, DELETE"
	corsHeaders = "Authorization, Content-Type, Accept, " + RequestIDHeader
	corsExpose  = RequestIDHeader + ", Content-Disposition, Location"
	corsMaxAge  = "600"
)

// cors answers preflight requests and marks responses readable by the
// allowed origins; without origins it does nothing. A preflight from an
// origin not allowed gets 403.
func (a *app) cors(origins []string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if len(origins) == 0 {
			c.Next()
			return
		}
		c.Writer.Header().Add("Vary", "Origin")
		origin := c.GetHeader("Origin")
		preflight := c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != ""
		allowed := origin != "" && slices.Contains(origins, strings.ToLower(origin))
		if preflight && !allowed {
			a.fail(c, metering.Errorf(metering.Forbidden, "origin %q is not allowed (api.cors_origins)", origin))
			return
		}
		if !allowed {
			c.Next()
			return
		}
		h := c.Writer.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		if !preflight {
			h.Set("Access-Control-Expose-Headers", corsExpose)
			c.Next()
			return
		}
		h.Add("Vary", "Access-Control-Request-Method")
		h.Add("Vary", "Access-Control-Request-Headers")
		h.Set("Access-Control-Allow-Methods", corsMethods)
		h.Set("Access-Control-Allow-Headers", corsHeaders)
		h.Set("Access-Control-Max-Age", corsMaxAge)
		c.AbortWithStatus(http.StatusNoContent)
	}
}
