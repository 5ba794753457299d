package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/internal/ingest"
	"github.com/mailmeter/mailmeter/metering"
)

// ingest decodes the batch as a stream (ingest.Decode), so a batch of
// tens of megabytes costs its decoded entries, not its text, and the
// Ingester validates it before anything is stored.
func (a *app) ingest(c *gin.Context) {
	in, err := ingest.Decode(c.Request.Body)
	if err != nil {
		a.fail(c, jsonError(err))
		return
	}
	a.extendWrite(c) // the body may have taken most of the write timeout to arrive
	res, err := a.Ingest.Ingest(c.Request.Context(), in)
	if err != nil {
		a.fail(c, err)
		return
	}
	if res.DeadLetters > 0 {
		a.log.Warn("records of a pushed batch the database refused were kept as dead letters (mailmeter deadletter list)",
			"source", res.Checkpoint.Source, "count", res.DeadLetters)
	}
	c.JSON(http.StatusOK, ingest.AckOf(res))
}

func (a *app) sourceCheckpoint(c *gin.Context) {
	source := strings.TrimPrefix(c.Param("source"), "/")
	if source == "" {
		a.fail(c, metering.FieldError("source", "source is required"))
		return
	}
	cp, err := a.Ingest.Checkpoint(c.Request.Context(), source)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, ingest.FromCheckpoint(cp))
}
