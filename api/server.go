package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/metering"
)

// Health is what readiness needs to know about the database.
type Health interface {
	Ping(ctx context.Context) error
	// Pending returns the number of migrations not yet applied.
	Pending(ctx context.Context) (int, error)
}

// Deps are the parts the API serves from.
type Deps struct {
	Log    *slog.Logger
	Health Health
}

// NewRouter builds the HTTP handler.
func NewRouter(d Deps) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", readyz(d))
	r.NoRoute(func(c *gin.Context) {
		writeProblem(c, d.Log, metering.Errorf(metering.NotFound, "no route %s %s", c.Request.Method, c.Request.URL.Path))
	})
	return r
}

func readyz(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		if err := d.Health.Ping(ctx); err != nil {
			writeProblem(c, d.Log, err)
			return
		}
		n, err := d.Health.Pending(ctx)
		if err != nil {
			writeProblem(c, d.Log, err)
			return
		}
		if n > 0 {
			writeProblem(c, d.Log, metering.Errorf(metering.Unavailable, "%d database migrations pending; run mailmeter migrate up", n))
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ready"})
	}
}
