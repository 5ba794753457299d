package policy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Server serves the policy protocol on a listener (TCP, or a Unix socket
// for Postfix's "check_policy_service unix:...").
type Server struct {
	decider *Decider
	log     *slog.Logger
	metrics *metrics
	// IdleTimeout closes a connection with no request for this long
	// (Postfix closes its own idle ones after max_idle, 100 s).
	IdleTimeout time.Duration
	// MaxConns bounds open connections; more wait in the accept queue.
	MaxConns int
}

// NewServer returns a Server answering with d. reg, if not nil, gets the
// server's metrics.
func NewServer(d *Decider, log *slog.Logger, reg prometheus.Registerer) (*Server, error) {
	s := &Server{decider: d, log: log, IdleTimeout: 5 * time.Minute, MaxConns: 512}
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
// It returns nil after ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]struct{}{}
	stop := context.AfterFunc(ctx, func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.SetDeadline(time.Now()) // wakes a blocked read; the handler closes it
		}
		mu.Unlock()
	})
	defer stop()
	slots := make(chan struct{}, max(s.MaxConns, 1))
	var err error
	for {
		slots <- struct{}{}
		var conn net.Conn
		conn, err = ln.Accept()
		if err != nil {
			<-slots
			break
		}
		mu.Lock()
		conns[conn] = struct{}{}
		mu.Unlock()
		wg.Go(func() {
			defer func() {
				mu.Lock()
				delete(conns, conn)
				mu.Unlock()
				conn.Close()
				<-slots
			}()
			s.serveConn(ctx, conn)
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// serveConn answers requests on one connection until it ends.
func (s *Server) serveConn(ctx context.Context, conn net.Conn) {
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
		start := time.Now()
		dec := s.decider.Decide(ctx, req)
		s.metrics.decided(dec, time.Since(start))
		s.logDecision(req, dec)
		if err := WriteReply(conn, dec.Action); err != nil {
			return
		}
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
	}
	for _, c := range []prometheus.Collector{m.decisions, m.errors, m.latency, m.connections} {
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

func (m *metrics) connClosed() {
	if m != nil {
		m.connections.Dec()
	}
}
