// Package probe measures service availability: at an interval it checks
// each configured service the way a client would (SMTP greeting and EHLO,
// IMAP and POP3 greetings and logout, or a bare TCP connect) and records
// every check with its time (the evidence the sla package computes each
// service's minutes from) and attempts and successes per probe and hour.
package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// Kinds of probes.
const (
	SMTP = "smtp"
	IMAP = "imap"
	POP3 = "pop3"
	TCP  = "tcp"
)

// Target is one service to check.
type Target struct {
	Name    string        // the probe's name in the store, e.g. "smtp-mx1"
	Kind    string        // smtp, imap, pop3 or tcp
	Address string        // host:port
	TLS     bool          // implicit TLS (smtps 465, imaps 993, pop3s 995)
	Timeout time.Duration // whole check; default 10 s
}

// Validate checks a target.
func (t Target) Validate() error {
	switch {
	case t.Name == "":
		return errors.New("name is required")
	case t.Kind != SMTP && t.Kind != IMAP && t.Kind != POP3 && t.Kind != TCP:
		return fmt.Errorf("kind %q: want smtp, imap, pop3 or tcp", t.Kind)
	}
	if _, _, err := net.SplitHostPort(t.Address); err != nil {
		return fmt.Errorf("address %q: want host:port", t.Address)
	}
	return nil
}

// Check runs one check of t: nil if the service answered as it should.
func Check(ctx context.Context, t Target) error {
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", t.Address)
	if err != nil {
		return err
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	if t.TLS {
		host, _, _ := net.SplitHostPort(t.Address)
		tc := tls.Client(conn, &tls.Config{ServerName: host})
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("TLS: %w", err)
		}
		conn = tc
	}
	return converse(t.Kind, conn)
}

// converse holds a check's conversation of kind on an open connection.
func converse(kind string, conn net.Conn) error {
	s := &session{r: bufio.NewReaderSize(conn, maxLine), w: conn}
	switch kind {
	case SMTP:
		return s.smtp()
	case IMAP:
		return s.imap()
	case POP3:
		return s.pop3()
	}
	return nil // TCP: connected
}

// maxLine bounds a server's answer line; a longer one fails the check.
const maxLine = 4096

// session is one conversation of a check.
type session struct {
	r *bufio.Reader
	w net.Conn
}

func (s *session) line() (string, error) {
	l, err := s.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return "", fmt.Errorf("the server's answer has a line over %d bytes", maxLine)
	}
	if err != nil {
		return "", fmt.Errorf("reading the server's answer: %w", err)
	}
	return strings.TrimRight(string(l), "\r\n"), nil
}

func (s *session) send(cmd string) error {
	_, err := s.w.Write([]byte(cmd + "\r\n"))
	return err
}

// reply reads an SMTP reply (all its lines) and checks its code.
func (s *session) reply(want string) error {
	for {
		l, err := s.line()
		if err != nil {
			return err
		}
		if len(l) < 3 || l[:3] != want {
			return fmt.Errorf("answered %q, want %s", truncate(l), want)
		}
		if len(l) == 3 || l[3] == ' ' {
			return nil
		}
	}
}

func (s *session) smtp() error {
	if err := s.reply("220"); err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	if err := s.send("EHLO probe.mailmeter.invalid"); err != nil {
		return err
	}
	if err := s.reply("250"); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	s.send("QUIT")
	return nil
}

func (s *session) imap() error {
	l, err := s.line()
	if err != nil {
		return err
	}
	if !strings.HasPrefix(l, "* OK") && !strings.HasPrefix(l, "* PREAUTH") {
		return fmt.Errorf("greeting %q, want * OK", truncate(l))
	}
	if err := s.send("p1 LOGOUT"); err != nil {
		return err
	}
	for {
		l, err := s.line()
		if err != nil {
			return fmt.Errorf("LOGOUT: %w", err)
		}
		if strings.HasPrefix(l, "p1 ") {
			if !strings.HasPrefix(l, "p1 OK") {
				return fmt.Errorf("LOGOUT answered %q", truncate(l))
			}
			return nil
		}
	}
}

func (s *session) pop3() error {
	l, err := s.line()
	if err != nil {
		return err
	}
	if !strings.HasPrefix(l, "+OK") {
		return fmt.Errorf("greeting %q, want +OK", truncate(l))
	}
	if err := s.send("QUIT"); err != nil {
		return err
	}
	if l, err = s.line(); err != nil || !strings.HasPrefix(l, "+OK") {
		return fmt.Errorf("QUIT answered %q, %v", truncate(l), err)
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// Committer stores probe results.
type Committer interface {
	Commit(ctx context.Context, b metering.Batch) error
}

// Runner checks its targets every interval and commits the results: every
// check with its time, and checks and successes per probe and hour.
// Results a commit could not store are kept and sent with the next round.
type Runner struct {
	targets []Target
	store   Committer
	log     *slog.Logger
	now     func() time.Time

	mu      sync.Mutex
	pending map[key]*metering.AvailabilityDelta
	checks  []metering.ProbeCheck // not stored yet, in the order made
	last    map[string]Result
}

type key struct {
	probe string
	hour  int64
}

// Result is a probe's latest check.
type Result struct {
	Probe   string
	At      time.Time
	Up      bool
	Latency time.Duration
	Err     string
}

// NewRunner returns a Runner of targets.
func NewRunner(targets []Target, store Committer, log *slog.Logger, now func() time.Time) *Runner {
	return &Runner{targets: targets, store: store, log: log, now: now,
		pending: map[key]*metering.AvailabilityDelta{}, last: map[string]Result{}}
}

// Round checks every target once, concurrently, and commits the results.
func (r *Runner) Round(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, t := range r.targets {
		wg.Go(func() {
			start := r.now()
			err := Check(ctx, t)
			if ctx.Err() != nil {
				return // shutting down: not the service's fault
			}
			res := Result{Probe: t.Name, At: start.UTC(), Up: err == nil, Latency: r.now().Sub(start)}
			if err != nil {
				res.Err = err.Error()
				r.log.Warn("probe failed", "probe", t.Name, "kind", t.Kind, "address", t.Address, "err", err)
			}
			r.record(res)
		})
	}
	wg.Wait()
	return r.flush(ctx)
}

func (r *Runner) record(res Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last[res.Probe] = res
	h := metering.Hour(res.At)
	k := key{res.Probe, h.Unix()}
	d := r.pending[k]
	if d == nil {
		d = &metering.AvailabilityDelta{Probe: res.Probe, Hour: h}
		r.pending[k] = d
	}
	d.Attempts++
	if res.Up {
		d.Successes++
	}
	r.checks = append(r.checks, metering.ProbeCheck{Probe: res.Probe, At: res.At, Up: res.Up, Latency: res.Latency, Error: res.Err})
}

func (r *Runner) flush(ctx context.Context) error {
	r.mu.Lock()
	b := metering.Batch{Checks: slices.Clone(r.checks)}
	for _, d := range r.pending {
		b.Availability = append(b.Availability, *d)
	}
	r.mu.Unlock()
	if b.Empty() {
		return nil
	}
	if err := r.store.Commit(ctx, b); err != nil {
		return fmt.Errorf("store probe results: %w", err)
	}
	r.mu.Lock()
	r.checks = r.checks[len(b.Checks):] // checks made meanwhile stay
	for _, d := range b.Availability {
		k := key{d.Probe, d.Hour.Unix()}
		if p := r.pending[k]; p != nil {
			p.Attempts -= d.Attempts
			p.Successes -= d.Successes
			if p.Attempts == 0 {
				delete(r.pending, k)
			}
		}
	}
	r.mu.Unlock()
	return nil
}

// Last returns each probe's latest result, by probe name.
func (r *Runner) Last() map[string]Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]Result, len(r.last))
	for k, v := range r.last {
		out[k] = v
	}
	return out
}

// Run does a round on every tick until ctx ends, reporting errors to
// onErr. The first round waits for the first tick: services starting
// beside the prober (or the prober's own process) get an interval to come
// up before they count as down.
func (r *Runner) Run(ctx context.Context, tick <-chan time.Time, onErr func(error)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
		if err := r.Round(ctx); err != nil && ctx.Err() == nil && onErr != nil {
			onErr(err)
		}
	}
}
