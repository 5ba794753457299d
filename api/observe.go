package api

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mailmeter/mailmeter/metering"
)

// RequestIDHeader carries a request's id; a caller's id is echoed.
const RequestIDHeader = "X-Request-ID"

type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mailmeter_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "mailmeter_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "route"}),
	}
	// A registry shared by two routers (tests) keeps the first collectors.
	if err := reg.Register(m.requests); err != nil {
		if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
			m.requests = are.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	if err := reg.Register(m.latency); err != nil {
		if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
			m.latency = are.ExistingCollector.(*prometheus.HistogramVec)
		}
	}
	return m
}

// observe sets the request id, then logs and counts the request: method,
// route, status, latency and subject (never the token).
func (a *app) observe(c *gin.Context) {
	start := time.Now()
	id := c.GetHeader(RequestIDHeader)
	if !validRequestID(id) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Header(RequestIDHeader, id)
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status, took := c.Writer.Status(), time.Since(start)
	a.metrics.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(status)).Inc()
	a.metrics.latency.WithLabelValues(c.Request.Method, route).Observe(took.Seconds())
	p := principal(c)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	a.log.LogAttrs(c.Request.Context(), level, "request",
		slog.String("method", c.Request.Method), slog.String("route", route), slog.Int("status", status),
		slog.Duration("latency", took), slog.String("role", string(p.Role)), slog.String("subject", p.Subject),
		slog.String("request_id", id))
}

// validRequestID accepts a caller's id of up to 64 visible ASCII characters.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

// recover turns a handler panic into a logged 500 problem.
func (a *app) recover(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			a.log.Error("handler panic", "route", c.FullPath(), "panic", r)
			a.fail(c, metering.Errorf(metering.Internal, "panic: %v", r))
		}
	}()
	c.Next()
}
