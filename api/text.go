package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/metering"
)

// checkText refuses a request whose path parameters or query parameters
// break metering.CheckText (control characters, bytes that are not UTF-8),
// with a 400 naming the parameter, before any handler sees them. Bodies
// are checked where they are bound (bindJSON, the ingest decoder).
func (a *app) checkText(c *gin.Context) {
	if err := requestText(c); err != nil {
		a.fail(c, err)
		return
	}
	c.Next()
}

func requestText(c *gin.Context) error {
	for _, p := range c.Params {
		if err := metering.CheckText(p.Key, p.Value); err != nil {
			return err
		}
	}
	if c.Request.URL.RawQuery == "" {
		return nil
	}
	q := c.Request.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := metering.CheckText("query", k); err != nil {
			return err
		}
		for _, v := range q[k] {
			if err := metering.CheckText(k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonText returns an Invalid error naming the first string of a JSON
// document (object key or value) that breaks metering.CheckText, by its
// path as the API names fields: "name", "counters[2].mailbox". A document
// that is not well-formed JSON is left to the decoder to describe (nil).
func jsonText(doc []byte, root string) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	w := textWalk{root: root}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		if err := w.token(tok); err != nil {
			return err
		}
	}
}

// textWalk follows the position of a JSON token stream.
type textWalk struct {
	root  string
	stack []textFrame
}

// textFrame is one open object or array: the key or index being read.
type textFrame struct {
	array   bool
	index   int
	key     string
	wantKey bool
}

// token handles the next token of the stream.
func (w *textWalk) token(tok any) error {
	if n := len(w.stack); n > 0 && w.stack[n-1].wantKey {
		if tok == json.Delim('}') {
			w.pop()
			return nil
		}
		k, _ := tok.(string)
		w.stack[n-1].key, w.stack[n-1].wantKey = k, false
		if err := metering.CheckText("field name", k); err != nil {
			return metering.FieldError("body", "%v", err)
		}
		return nil
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			w.stack = append(w.stack, textFrame{wantKey: true})
		case '[':
			w.stack = append(w.stack, textFrame{array: true})
		default:
			w.pop()
		}
		return nil
	case string:
		err := metering.CheckText(w.path(), v)
		w.next()
		return err
	}
	w.next()
	return nil
}

// pop closes the innermost container, which was a value of its parent.
func (w *textWalk) pop() {
	w.stack = w.stack[:len(w.stack)-1]
	w.next()
}

// next moves past a value of the innermost container.
func (w *textWalk) next() {
	if n := len(w.stack); n > 0 {
		f := &w.stack[n-1]
		f.index++
		f.wantKey = !f.array
	}
}

// path names the value being read.
func (w *textWalk) path() string {
	var b strings.Builder
	b.WriteString(w.root)
	for _, f := range w.stack {
		switch {
		case f.array:
			fmt.Fprintf(&b, "[%d]", f.index)
		case b.Len() > 0:
			b.WriteString("." + f.key)
		default:
			b.WriteString(f.key)
		}
	}
	if b.Len() == 0 {
		return "body"
	}
	return b.String()
}
