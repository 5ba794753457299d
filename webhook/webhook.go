// Package webhook delivers queued events (quota threshold warnings) to an
// operator's HTTP endpoint: at least once, signed in the Standard Webhooks
// format (https://www.standardwebhooks.com: webhook-id, webhook-timestamp,
// webhook-signature "v1,<base64 HMAC-SHA256>") so receivers can verify
// with that specification's libraries, retried with backoff.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mailmeter/mailmeter/internal/periodic"
)

// Event is one queued event.
type Event struct {
	ID        int64
	Kind      string
	Payload   []byte // JSON
	CreatedAt time.Time
	Attempts  int // failed or leased attempts so far
}

// Outbox is where events wait for delivery.
type Outbox interface {
	// ClaimEvents returns up to limit undelivered events due at now and
	// leases them until now+lease, so that no other sender takes them.
	ClaimEvents(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Event, error)
	// EventDelivered records a delivery.
	EventDelivered(ctx context.Context, id int64, at time.Time) error
	// EventFailed records a failed attempt and when to try again.
	EventFailed(ctx context.Context, id int64, next time.Time, reason string) error
}

// Sender delivers an Outbox's events to one URL.
type Sender struct {
	url    string
	secret []byte
	outbox Outbox
	client *http.Client
	log    *slog.Logger
	now    func() time.Time
	// MaxAttempts failed attempts give an event up (it stays in the
	// outbox with its last error). Backoff doubles from 10 s up to an hour.
	MaxAttempts int

	attempts *prometheus.CounterVec // by result: delivered, failed, given_up
}

// Register adds the sender's metrics to reg:
// mailmeter_webhook_attempts_total{result}.
func (s *Sender) Register(reg prometheus.Registerer) error {
	s.attempts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mailmeter_webhook_attempts_total",
		Help: "Webhook delivery attempts by result: delivered, failed (retried later), given_up."}, []string{"result"})
	return reg.Register(s.attempts)
}

func (s *Sender) count(result string) {
	if s.attempts != nil {
		s.attempts.WithLabelValues(result).Inc()
	}
}

// Headers of a delivery.
const (
	HeaderID        = "webhook-id"        // "msg_" + the event id: the same on every retry
	HeaderTimestamp = "webhook-timestamp" // unix seconds of this attempt
	HeaderSignature = "webhook-signature" // "v1," + base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)
	HeaderEvent     = "X-Mailmeter-Event" // the event kind, also the payload's "type"
)

// lease is how long a claimed event is reserved for its attempt.
const lease = time.Minute

// NewSender returns a Sender posting to url, signing with key (none if
// empty; ParseSecret turns a configured secret into the key).
func NewSender(url string, secret []byte, outbox Outbox, log *slog.Logger, now func() time.Time) *Sender {
	return &Sender{url: url, secret: secret, outbox: outbox, log: log, now: now,
		client: &http.Client{Timeout: 10 * time.Second}, MaxAttempts: 15}
}

// Sign returns the webhook-signature value of the message id sent at
// timestamp ts (unix seconds) with body, under key.
func Sign(key []byte, id, ts string, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte("."))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SecretPrefix starts a Standard Webhooks secret: whsec_ and the key in base64.
const SecretPrefix = "whsec_"

// ParseSecret returns the signing key of a configured secret: the decoded
// key of "whsec_<base64>" (24 to 64 bytes, as the specification wants), or
// the bytes of any other text of at least 16 characters — whose
// receiver-side form is "whsec_" + base64 of those bytes.
func ParseSecret(secret string) ([]byte, error) {
	b64, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		if len(secret) < 16 {
			return nil, errors.New("at least 16 characters (or whsec_ and a base64 key)")
		}
		return []byte(secret), nil
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errors.New("whsec_ must be followed by a base64 key")
	}
	if len(key) < 24 || len(key) > 64 {
		return nil, fmt.Errorf("the key after whsec_ is %d bytes: want 24 to 64", len(key))
	}
	return key, nil
}

// MessageID is the webhook-id of an event.
func MessageID(e Event) string { return "msg_" + strconv.FormatInt(e.ID, 10) }

// Backoff returns the wait after the n-th failed attempt (n ≥ 1).
func Backoff(n int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// DeliverDue attempts every due event once and returns how many were
// delivered and how many failed.
func (s *Sender) DeliverDue(ctx context.Context) (delivered, failed int, err error) {
	for {
		events, err := s.outbox.ClaimEvents(ctx, s.now(), lease, 50)
		if err != nil {
			return delivered, failed, err
		}
		if len(events) == 0 {
			return delivered, failed, nil
		}
		for _, e := range events {
			if err := s.post(ctx, e); err != nil {
				failed++
				attempts := e.Attempts + 1
				next := s.now().Add(Backoff(attempts))
				result := "failed"
				if attempts >= s.MaxAttempts {
					next = s.now().Add(GiveUpAfter)
					err = fmt.Errorf("gave up after %d attempts: %w", attempts, err)
					result = "given_up"
				}
				s.count(result)
				s.log.Warn("webhook delivery failed", "event", e.ID, "kind", e.Kind, "attempt", attempts, "retry_at", next, "err", err)
				if err := s.outbox.EventFailed(ctx, e.ID, next, err.Error()); err != nil {
					return delivered, failed, err
				}
				continue
			}
			delivered++
			s.count("delivered")
			if err := s.outbox.EventDelivered(ctx, e.ID, s.now()); err != nil {
				return delivered, failed, err
			}
		}
	}
}

// post sends one event; any 2xx answer is a delivery.
func (s *Sender) post(ctx context.Context, e Event) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(e.Payload))
	if err != nil {
		return err
	}
	ts, id := strconv.FormatInt(s.now().Unix(), 10), MessageID(e)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "mailmeter-webhook")
	req.Header.Set(HeaderEvent, e.Kind)
	req.Header.Set(HeaderID, id)
	req.Header.Set(HeaderTimestamp, ts)
	if len(s.secret) > 0 {
		req.Header.Set(HeaderSignature, Sign(s.secret, id, ts, e.Payload))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s answered %s", s.url, resp.Status)
	}
	return nil
}

// Run delivers due events on every tick until ctx ends, reporting errors
// to onErr.
func (s *Sender) Run(ctx context.Context, tick <-chan time.Time, onErr func(error)) {
	periodic.Run(ctx, tick, func(ctx context.Context) error {
		_, _, err := s.DeliverDue(ctx)
		return err
	}, onErr)
}
