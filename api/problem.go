package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/metering"
)

// ProblemBase prefixes every problem type URI.
const ProblemBase = "https://mailmeter.dev/problems/"

// TooLarge is the kind of a request body over the configured size: an
// HTTP-only kind, next to the domain's.
const TooLarge metering.Kind = "too_large"

// NotAcceptable is the kind of a request whose Accept header allows none
// of the media types a route answers in.
const NotAcceptable metering.Kind = "not_acceptable"

// Problem is an RFC 9457 problem detail.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail,omitempty"`
	Instance string       `json:"instance,omitempty"`
	Errors   []FieldIssue `json:"errors,omitempty"`
}

// FieldIssue names one bad input field.
type FieldIssue struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// kinds maps each error kind to its HTTP status and title: the one table
// from errors to HTTP.
var kinds = map[metering.Kind]struct {
	status int
	title  string
}{
	metering.Invalid:      {http.StatusBadRequest, "Invalid request"},
	metering.NotFound:     {http.StatusNotFound, "Not found"},
	metering.Conflict:     {http.StatusConflict, "Conflict"},
	metering.Unavailable:  {http.StatusServiceUnavailable, "Service unavailable"},
	metering.Refused:      {http.StatusUnprocessableEntity, "Refused by the database"},
	metering.Unauthorized: {http.StatusUnauthorized, "Unauthorized"},
	metering.Forbidden:    {http.StatusForbidden, "Forbidden"},
	metering.QuotaExceed:  {http.StatusUnprocessableEntity, "Quota exceeded"},
	metering.Internal:     {http.StatusInternalServerError, "Internal error"},
	TooLarge:              {http.StatusRequestEntityTooLarge, "Request body too large"},
	Busy:                  {http.StatusServiceUnavailable, "Server busy"},
	NotAcceptable:         {http.StatusNotAcceptable, "Not acceptable"},
}

// fail renders err as problem+json.
func (a *app) fail(c *gin.Context, err error) { writeProblem(c, a.log, err) }

// writeProblem renders err as problem+json: the one encoder. Internal
// and Unavailable errors are logged in full and shown as "internal error"
// and "database unreachable": a client never sees driver text, a host, a
// user or a database name.
func writeProblem(c *gin.Context, log *slog.Logger, err error) {
	_ = c.Error(err)
	renderProblem(c, newProblem(c, log, err))
}

// newProblem describes err for a client (logging an internal error).
func newProblem(c *gin.Context, log *slog.Logger, err error) Problem {
	kind := metering.KindOf(err)
	k, ok := kinds[kind]
	if !ok {
		kind, k = metering.Internal, kinds[metering.Internal]
	}
	p := Problem{Type: ProblemBase + string(kind), Title: k.title, Status: k.status, Instance: c.Request.URL.Path}
	switch kind {
	case metering.Internal:
		log.Error("internal error", "path", c.Request.URL.Path, "err", err)
		p.Detail = "internal error"
	case metering.Unavailable:
		log.Warn("database unreachable", "path", c.Request.URL.Path, "err", err)
		p.Detail = "database unreachable"
	default:
		p.Detail = err.Error()
		if f := metering.FieldOf(err); f != "" {
			var de *metering.Error
			errors.As(err, &de)
			p.Errors = []FieldIssue{{Field: f, Detail: de.Error()}}
		}
	}
	return p
}

func renderProblem(c *gin.Context, p Problem) {
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(p.Status, p)
}
