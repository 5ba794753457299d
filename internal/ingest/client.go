package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mailmeter/mailmeter/internal/periodic"
	"github.com/mailmeter/mailmeter/metering"
)

// Options tune a Client. Zero values take the defaults.
type Options struct {
	HTTP           *http.Client                                     // default: 30 s timeout
	InitialBackoff time.Duration                                    // default 200 ms
	MaxBackoff     time.Duration                                    // default 30 s
	MaxAttempts    int                                              // 0 = retry until the context ends
	Sleep          func(ctx context.Context, d time.Duration) error // default periodic.Sleep; tests pass a fake
	Log            *slog.Logger
}

// Client pushes batches to the ingest API. It is safe for concurrent use.
type Client struct {
	base  string // scheme://host[/prefix], without /v1/ingest
	token string
	opts  Options

	mu      sync.Mutex
	offsets map[string]int64 // per source: the acknowledged offset
}

var _ metering.Committer = (*Client)(nil)

// New returns a Client for pushURL (the API's base URL, or its
// …/v1/ingest URL) authenticating with a service token.
func New(pushURL, token string, opts Options) (*Client, error) {
	u, err := url.Parse(pushURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("push URL %q: want http(s)://host[:port]", pushURL)
	}
	if token == "" {
		return nil, errors.New("push needs a token (env MAILMETER_TOKEN)")
	}
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.InitialBackoff <= 0 {
		opts.InitialBackoff = 200 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 30 * time.Second
	}
	if opts.Sleep == nil {
		opts.Sleep = periodic.Sleep
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	base := strings.TrimSuffix(strings.TrimSuffix(u.String(), "/"), "/v1/ingest")
	return &Client{base: base, token: token, opts: opts, offsets: map[string]int64{}}, nil
}

// Commit implements metering.Committer: it pushes the batch as the range
// from the source's acknowledged offset (learned from Checkpoint or the
// previous Commit; 0 for batch 1) to b.Checkpoint.Offset. It returns nil once
// the API has applied it or recognised it as a duplicate; Conflict for a gap
// or overlap; Unavailable if the context ends while the API is unreachable.
func (c *Client) Commit(ctx context.Context, b metering.Batch) error {
	if b.Checkpoint == nil {
		return metering.FieldError("source", "a pushed batch needs a checkpoint")
	}
	source := b.Checkpoint.Source
	from, err := c.fromOffset(ctx, b.Checkpoint)
	if err != nil {
		return err
	}
	body, err := json.Marshal(FromBatch(b, from))
	if err != nil {
		return fmt.Errorf("encode batch of %s: %w", source, err)
	}
	if _, err := c.do(ctx, http.MethodPost, "/v1/ingest", body); err != nil {
		return fmt.Errorf("push batch %d of %s: %w", b.Checkpoint.Seq, source, err)
	}
	c.mu.Lock()
	c.offsets[source] = b.Checkpoint.Offset
	c.mu.Unlock()
	return nil
}

// fromOffset returns where a batch starts: the acknowledged offset, 0 for a
// first batch, else the API's stored offset.
func (c *Client) fromOffset(ctx context.Context, cp *metering.Checkpoint) (int64, error) {
	c.mu.Lock()
	off, ok := c.offsets[cp.Source]
	c.mu.Unlock()
	switch {
	case ok:
		return off, nil
	case cp.Seq <= 1:
		return 0, nil
	}
	stored, err := c.Checkpoint(ctx, cp.Source)
	if err != nil {
		return 0, err
	}
	return stored.Offset, nil
}

// Checkpoint implements metering.Committer: the API's stored checkpoint of
// the source, or NotFound.
func (c *Client) Checkpoint(ctx context.Context, source string) (metering.Checkpoint, error) {
	body, err := c.do(ctx, http.MethodGet, "/v1/ingest/sources/"+url.PathEscape(source), nil)
	if err != nil {
		return metering.Checkpoint{}, err
	}
	var w Checkpoint
	if err := json.Unmarshal(body, &w); err != nil {
		return metering.Checkpoint{}, fmt.Errorf("decode checkpoint of %s: %w", source, err)
	}
	c.mu.Lock()
	c.offsets[source] = w.Offset
	c.mu.Unlock()
	return w.Checkpoint(), nil
}

// do sends a request, retrying network errors and 5xx answers with
// exponential backoff, and returns the body of a 2xx answer. Other answers
// become *metering.Error values of the problem's kind.
func (c *Client) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	wait := c.opts.InitialBackoff
	for attempt := 1; ; attempt++ {
		out, retry, err := c.once(ctx, method, path, body)
		if !retry {
			return out, err
		}
		if c.opts.MaxAttempts > 0 && attempt >= c.opts.MaxAttempts {
			return nil, &metering.Error{Kind: metering.Unavailable, Message: fmt.Sprintf("ingest API unreachable after %d attempts", attempt), Err: err}
		}
		d := wait/2 + rand.N(wait/2+1)
		c.opts.Log.Warn("ingest API unavailable; retrying", "path", path, "attempt", attempt, "in", d, "err", err)
		if serr := c.opts.Sleep(ctx, d); serr != nil {
			return nil, &metering.Error{Kind: metering.Unavailable, Message: "ingest API unreachable", Err: err}
		}
		wait = min(2*wait, c.opts.MaxBackoff)
	}
}

// once makes one attempt; retry reports whether another may succeed.
func (c *Client) once(ctx context.Context, method, path string, body []byte) (out []byte, retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.opts.HTTP.Do(req)
	if err != nil {
		return nil, ctx.Err() == nil, err
	}
	defer resp.Body.Close()
	out, err = io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, true, err
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return out, false, nil
	case resp.StatusCode >= 500:
		return nil, true, problemError(resp.StatusCode, out)
	}
	return nil, false, problemError(resp.StatusCode, out)
}

// problemJSON is what the client reads of a problem+json answer.
type problemJSON struct {
	Type   string `json:"type"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field string `json:"field"`
	} `json:"errors"`
}

// problemError turns a problem+json answer into a domain error.
func problemError(status int, body []byte) error {
	var p problemJSON
	_ = json.Unmarshal(body, &p)
	kind := metering.Kind(p.Type[strings.LastIndexByte(p.Type, '/')+1:])
	if kind == "" {
		kind = metering.Internal
		if status == http.StatusTooManyRequests || status >= 500 {
			kind = metering.Unavailable
		}
	}
	if status == http.StatusRequestEntityTooLarge {
		// Retrying cannot help: stop with what to change.
		return &metering.Error{Kind: metering.Invalid, Field: "batch", Message: fmt.Sprintf(
			"API answered 413: %s; raise api.max_ingest_bytes on the API or lower collect.batch_lines here", p.Detail)}
	}
	e := &metering.Error{Kind: kind, Message: fmt.Sprintf("API answered %d: %s", status, p.Detail)}
	if len(p.Errors) > 0 {
		e.Field = p.Errors[0].Field
	}
	return e
}
