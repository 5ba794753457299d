package api

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/metering"
)

// Timeouts bound how long one connection may take over each part of an
// exchange, so slow or idle clients cannot hold the server's connections
// (and their goroutines) for ever.
type Timeouts struct {
	// ReadHeader bounds the request line and headers.
	ReadHeader time.Duration
	// Read bounds the whole request, body included: a POST /v1/ingest of
	// api.max_ingest_bytes must arrive within it.
	Read time.Duration
	// Write bounds the response, counted from the end of the request
	// headers. Routes that read a large body or stream a long response
	// extend it (extendWrite) from the moment they start answering.
	Write time.Duration
	// Idle bounds a keep-alive connection's wait for its next request.
	Idle time.Duration
}

// DefaultTimeouts are used for the Timeouts left zero.
var DefaultTimeouts = Timeouts{ReadHeader: 10 * time.Second, Read: time.Minute, Write: time.Minute, Idle: 2 * time.Minute}

func (t Timeouts) orDefaults() Timeouts {
	d := DefaultTimeouts
	if t.ReadHeader <= 0 {
		t.ReadHeader = d.ReadHeader
	}
	if t.Read <= 0 {
		t.Read = d.Read
	}
	if t.Write <= 0 {
		t.Write = d.Write
	}
	if t.Idle <= 0 {
		t.Idle = d.Idle
	}
	return t
}

// NewServer returns the HTTP server for h with the timeouts t (zero
// values take DefaultTimeouts).
func NewServer(h http.Handler, t Timeouts) *http.Server {
	t = t.orDefaults()
	return &http.Server{Handler: h, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read,
		WriteTimeout: t.Write, IdleTimeout: t.Idle, MaxHeaderBytes: 64 << 10}
}

// DefaultMaxLargeBodies is how many large request bodies are read at once
// when Deps.MaxLargeBodies is 0.
const DefaultMaxLargeBodies = 4

// Busy is the kind of a request refused because the server is reading as
// many large bodies as it allows: an HTTP-only kind (503, Retry-After).
const Busy metering.Kind = "busy"

// trackedBody records whether the handlers read a request body to its end.
type trackedBody struct {
	io.ReadCloser
	eof bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) {
		b.eof = true
	}
	return n, err
}

// limitBody caps request bodies (reading past the cap fails with
// *http.MaxBytesError, which bind turns into 413) and makes sure a body the
// handlers did not read to its end is never waited for: a request refused
// before its body was read (401, 403, 413, …) is answered at once and its
// connection closed, however slowly the body arrives. Bodies of methods
// without one are not read at all.
func (a *app) limitBody(c *gin.Context) {
	if c.Request.ContentLength == 0 {
		c.Next()
		return
	}
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodDelete, http.MethodOptions:
		abandonBody(c)
		c.Next()
		return
	}
	limit := a.MaxBodyBytes
	if c.FullPath() == "/v1/ingest" {
		limit = a.MaxIngestBytes
	}
	if c.Request.ContentLength > limit {
		abandonBody(c)
		a.fail(c, metering.Errorf(TooLarge, "request body of %d bytes is over the limit of %d bytes", c.Request.ContentLength, limit))
		return
	}
	body := &trackedBody{ReadCloser: http.MaxBytesReader(c.Writer, c.Request.Body, limit)}
	c.Request.Body = body
	c.Next()
	if !body.eof {
		abandonBody(c)
	}
}

// abandonBody stops reading the request body: the connection's read
// deadline passes now, so the server neither waits for the rest of the
// body before answering nor after, and closes the connection once the
// answer is sent. (Without a real connection, as in tests with a recorder,
// it does nothing.)
func abandonBody(c *gin.Context) {
	_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now())
}

// admitLargeBody bounds how many large bodies (over api.max_body_bytes, or
// of unknown length) are read at once, after authentication: one more
// than Deps.MaxLargeBodies is answered 503 with Retry-After at once, its
// body unread. Memory for bodies stays bounded however many clients push.
func (a *app) admitLargeBody(c *gin.Context) {
	if n := c.Request.ContentLength; n >= 0 && n <= a.MaxBodyBytes {
		c.Next()
		return
	}
	select {
	case a.large <- struct{}{}:
	default:
		c.Header("Retry-After", "1")
		a.fail(c, metering.Errorf(Busy, "the server is reading %d large request bodies, its limit; retry shortly", cap(a.large)))
		return
	}
	defer func() { <-a.large }()
	c.Next()
}

// extendWrite gives the response a full write timeout from now: for
// routes whose request body took long to arrive or whose response takes
// long to produce.
func (a *app) extendWrite(c *gin.Context) {
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(a.Timeouts.Write))
}
