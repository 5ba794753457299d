package policy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Server serves the policy protocol on a listener (TCP, or a Unix socket
// for Postfix's "check_policy_service unix:...").
//
// Postfix keeps one connection per smtpd process open between requests
// (up to smtpd_policy_service_max_idle, 300 s), so a big site holds
// thousands of idle connections. The server holds up to MaxConns; when one
// more arrives it closes the connection idle the longest instead of
// leaving the new one unanswered (an smtpd whose cached connection was
// closed opens a new one and asks again).
type Server struct {
	decider *Decider
	log     *slog.Logger
	metrics *metrics
	// IdleTimeout closes a connection with no request for this long
	// (Postfix closes its own idle ones after 300 s).
	IdleTimeout time.Duration
	// MaxConns bounds open connections; DefaultMaxConns when NewServer
	// returns.
	MaxConns int
}

// NewServer returns a Server answering with d. reg, if not nil, gets the
// server's metrics.
func NewServer(d *Decider, log *slog.Logger, reg prometheus.Registerer) (*Server, error) {
	s := &Server{decider: d, log: log, IdleTimeout: 5 * time.Minute, MaxConns: DefaultMaxConns()}
	if reg != nil {
		m, err := newMetrics(reg)
		if err != nil {
			return nil, err
		}
		s.metrics = m
	}
	return s, nil
}

// Serve accepts connections until ctx ends or the listener fails, then
// closes the listener and every connection and returns once they are done.
// It returns nil after ctx ends. Running out of file descriptors is not a
// failure: the longest-idle connection is closed and Accept retried.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	var wg sync.WaitGroup
	conns := newConnSet()
	stop := context.AfterFunc(ctx, func() {
		ln.Close()
		conns.wakeAll() // a blocked read returns; its handler closes the connection
	})
	defer stop()
	var err error
	for backoff := time.Duration(0); ; {
		var nc net.Conn
		nc, err = ln.Accept()
		if err != nil {
			if ctx.Err() != nil || !outOfResources(err) {
				break
			}
			// EMFILE, ENFILE, ECONNABORTED: make room and retry.
			s.evict(conns, "accept: "+err.Error())
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Warn("policy accept failed; closed the longest-idle connection and retrying", "err", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			continue
		}
		backoff = 0
		for conns.len() >= max(s.MaxConns, 1) {
			if !s.evict(conns, "full") {
				break
			}
		}
		c := conns.add(nc)
		wg.Go(func() {
			defer conns.remove(c)
			s.serveConn(ctx, c)
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// evict closes the longest-idle connection; false if there is none.
func (s *Server) evict(conns *connSet, why string) bool {
	c := conns.longestIdle()
	if c == nil {
		return false
	}
	conns.remove(c)
	s.metrics.evicted()
	s.log.Debug("policy connection closed to make room", "remote", c.RemoteAddr().String(), "idle", time.Since(c.lastActive()), "why", why)
	return true
}

// outOfResources reports whether an Accept error is a shortage that passes
// (file descriptors, an aborted handshake) rather than a closed listener.
func outOfResources(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM)
}

// serveConn answers requests on one connection until it ends.
func (s *Server) serveConn(ctx context.Context, conn *conn) {
	s.metrics.connOpened()
	defer s.metrics.connClosed()
	r := NewReader(conn)
	for ctx.Err() == nil {
		if s.IdleTimeout > 0 {
			conn.SetReadDeadline(time.Now().Add(s.IdleTimeout))
		}
		req, err := ReadRequest(r)
		switch {
		case err == nil:
		case errors.Is(err, ErrMalformed):
			// Read to its end: answer DUNNO (never block mail on our
			// parsing) and go on.
			s.metrics.protocolError("malformed")
			s.log.Warn("policy request malformed; answered DUNNO", "remote", conn.RemoteAddr().String(), "err", err)
			if werr := WriteReply(conn, Dunno); werr != nil {
				return
			}
			continue
		case errors.Is(err, io.EOF):
			return // Postfix closed between requests
		case errors.Is(err, ErrTooLong), errors.Is(err, io.ErrUnexpectedEOF):
			s.metrics.protocolError(reason(err))
			s.log.Warn("policy connection dropped", "remote", conn.RemoteAddr().String(), "err", err)
			return
		default:
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
				s.log.Debug("policy connection idle; closed", "remote", conn.RemoteAddr().String())
			}
			return
		}
		conn.touch() // busy: not the longest idle
		start := time.Now()
		dec := s.decider.Decide(ctx, req)
		s.metrics.decided(dec, time.Since(start))
		s.logDecision(req, dec)
		if err := WriteReply(conn, dec.Action); err != nil {
			return
		}
		conn.touch()
	}
}

func reason(err error) string {
	if errors.Is(err, ErrTooLong) {
		return "too_long"
	}
	return "truncated"
}

func (s *Server) logDecision(req Request, dec Decision) {
	attrs := []any{"state", req.ProtocolState, "queue_id", req.QueueID, "client", req.ClientAddress,
		"recipient", req.Recipient, "sasl_username", req.SASLUsername, "mailbox", dec.Mailbox, "check", dec.Check, "action", dec.Action}
	if dec.Detail != "" {
		attrs = append(attrs, "detail", dec.Detail)
	}
	switch {
	case dec.Err != nil:
		s.log.Warn("policy lookup failed; answered DUNNO", append(attrs, "err", dec.Err)...)
	case dec.Refused():
		s.log.Info("policy refused", attrs...)
	default:
		s.log.Debug("policy decision", attrs...)
	}
}

// actionClass sums up an action for metrics: dunno, reject (5xx) or defer
// (4xx).
func actionClass(action string) string {
	switch {
	case action == Dunno:
		return "dunno"
	case strings.HasPrefix(action, "4"):
		return "defer"
	}
	return "reject"
}

// metrics are the server's Prometheus metrics; a nil *metrics records
// nothing.
type metrics struct {
	decisions   *prometheus.CounterVec
	errors      *prometheus.CounterVec
	latency     prometheus.Histogram
	connections prometheus.Gauge
	evictions   prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mailmeter_policy_decisions_total",
			Help: "Policy (quota at SMTP time) decisions by action (dunno, reject, defer) and check."}, []string{"action", "check"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mailmeter_policy_protocol_errors_total",
			Help: "Policy requests that broke the protocol, by reason."}, []string{"reason"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "mailmeter_policy_decision_seconds",
			Help: "Time to decide one policy request.", Buckets: prometheus.ExponentialBuckets(1e-6, 4, 10)}),
		connections: prometheus.NewGauge(prometheus.GaugeOpts{Name: "mailmeter_policy_connections",
			Help: "Open policy connections."}),
		evictions: prometheus.NewCounter(prometheus.CounterOpts{Name: "mailmeter_policy_connections_evicted_total",
			Help: "Idle policy connections closed to make room for new ones."}),
	}
	for _, c := range []prometheus.Collector{m.decisions, m.errors, m.latency, m.connections, m.evictions} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) decided(d Decision, took time.Duration) {
	if m == nil {
		return
	}
	m.decisions.WithLabelValues(actionClass(d.Action), d.Check).Inc()
	m.latency.Observe(took.Seconds())
}

func (m *metrics) protocolError(reason string) {
	if m != nil {
		m.errors.WithLabelValues(reason).Inc()
	}
}

func (m *metrics) connOpened() {
	if m != nil {
		m.connections.Inc()
	}
}

func (m *metrics) evicted() {
	if m != nil {
		m.evictions.Inc()
	}
}

func (m *metrics) connClosed() {
	if m != nil {
		m.connections.Dec()
	}
}
