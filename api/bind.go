package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
)

// bindJSON decodes the request body into dst: one JSON object, no unknown
// fields, within the size limit, no string breaking metering.CheckText.
// Errors name the field at fault.
func bindJSON(c *gin.Context, dst any) error {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return jsonError(err)
	}
	if err := jsonText(body, ""); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(dst)
	if err == nil && dec.More() {
		err = errors.New("body holds more than one JSON value")
	}
	return jsonError(err)
}

// jsonError turns an error of reading or decoding a JSON body into an
// Invalid (or TooLarge) error naming the field at fault.
func jsonError(err error) error {
	var de *metering.Error
	if err == nil || errors.As(err, &de) {
		return err
	}
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var timeErr *time.ParseError
	switch {
	case errors.As(err, &tooBig):
		return metering.Errorf(TooLarge, "request body is over the limit of %d bytes", tooBig.Limit)
	case errors.As(err, &typeErr):
		return metering.FieldError(typeErr.Field, "%s: want a JSON %s, got %s", typeErr.Field, typeErr.Type, typeErr.Value)
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return metering.FieldError("body", "malformed JSON: %v", err)
	case errors.Is(err, io.EOF):
		return metering.FieldError("body", "request body is empty; want a JSON object")
	case errors.As(err, &timeErr):
		return metering.FieldError("body", "time %q: want RFC 3339, e.g. 2026-01-31T00:00:00Z", timeErr.Value)
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		f = strings.Trim(f, `"`)
		return metering.FieldError(f, "unknown field %q", f)
	}
	return metering.FieldError("body", "invalid JSON body: %v", err)
}

// queryTime parses an optional RFC 3339 query parameter (zero if absent).
func queryTime(c *gin.Context, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, metering.FieldError(name, "%s %q: want RFC 3339, e.g. 2026-01-31T00:00:00Z", name, v)
	}
	return t.UTC(), nil
}

// queryInt parses an optional non-negative integer query parameter.
func queryInt(c *gin.Context, name string, def int64) (int64, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, metering.FieldError(name, "%s %q: want a non-negative integer", name, v)
	}
	return n, nil
}

// Page sizes of list routes.
const (
	defaultPageSize = 100
	maxPageSize     = 1000
)

// page reads limit and cursor. The cursor is opaque to clients: the last
// key of the previous page, base64url-encoded.
func page(c *gin.Context) (directory.Page, error) {
	n, err := queryInt(c, "limit", defaultPageSize)
	if err != nil {
		return directory.Page{}, err
	}
	if n < 1 || n > maxPageSize {
		return directory.Page{}, metering.FieldError("limit", "limit %d: want 1 to %d", n, maxPageSize)
	}
	after, err := base64.RawURLEncoding.DecodeString(c.Query("cursor"))
	if err != nil {
		return directory.Page{}, metering.FieldError("cursor", "cursor %q is not one this API returned", c.Query("cursor"))
	}
	return directory.Page{After: string(after), Limit: int(n)}, nil
}

// nextCursor returns the cursor of the page after one that ended at last,
// or "" when the page was not full (the list is done).
func nextCursor(p directory.Page, n int, last string) string {
	if n < p.Limit {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(last))
}

// pathAddress reads and normalizes the :address parameter.
func pathAddress(c *gin.Context) (string, error) {
	a, err := metering.NormalizeAddress(c.Param("address"))
	if err != nil {
		return "", &metering.Error{Kind: metering.Invalid, Field: "address", Message: err.Error()}
	}
	return a, nil
}

// pathDomain reads and normalizes the :domain parameter.
func pathDomain(c *gin.Context) (string, error) {
	d, err := metering.NormalizeDomain(c.Param("domain"))
	if err != nil {
		return "", &metering.Error{Kind: metering.Invalid, Field: "domain", Message: err.Error()}
	}
	return d, nil
}

// rfc3339 formats a time as RFC 3339 UTC.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// list is the envelope of every list response.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func newList[T any](items []T, next string) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items, NextCursor: next}
}

// first returns the first error of several steps.
func first(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// writePage answers a list route: each item encoded by out, and the cursor
// after the last one (by key) when the page is full.
func writePage[T, J any](c *gin.Context, p directory.Page, items []T, out func(T) J, key func(T) string) {
	js := make([]J, len(items))
	last := ""
	for i, it := range items {
		js[i], last = out(it), key(it)
	}
	c.JSON(http.StatusOK, newList(js, nextCursor(p, len(items), last)))
}

// tenantFilter returns the customer a list is narrowed to: a customer
// caller's own, else the query's (admin).
func tenantFilter(c *gin.Context) string {
	if pr := principal(c); pr.Role == RoleCustomer {
		return pr.Subject
	}
	return c.Query("customer")
}
