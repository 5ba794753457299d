package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// consoleRoutes are the read-only routes the web console draws from.
func (a *app) consoleRoutes(v1 *gin.RouterGroup, admin, tenant []Role) {
	v1.GET("/traffic", a.allow(admin), a.traffic)
	v1.GET("/latency/series", a.allow(tenant), a.latencySeries)
	v1.GET("/usage/top", a.allow(admin), a.topMailboxes)
	v1.GET("/quotas", a.allow(tenant), a.quotaTable)
	v1.GET("/estimates", a.allow(tenant), a.estimates)
	v1.GET("/collectors", a.allow(admin), a.collectors)
}

// mountConsole serves the web console under /ui/ and the quota widget
// under /embed/; / leads to the console.
func mountConsole(r *gin.Engine, h http.Handler) {
	r.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/ui/") })
	r.GET("/ui/*file", gin.WrapH(h))
	r.GET("/embed/*file", gin.WrapH(h))
}
