package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// maxLine bounds a server's answer line; a longer one fails the check.
const maxLine = 4096

// session is one conversation of a check with a server: lines in, commands
// out, TLS on demand. Every read and write ends at the check's deadline.
type session struct {
	conn net.Conn
	r    *bufio.Reader
	t    Target
	d    *Detail
	tags int  // IMAP commands sent
	tls  bool // the connection is encrypted: credentials may be sent
}

func newSession(conn net.Conn, t Target, d *Detail) *session {
	return &session{conn: conn, r: bufio.NewReaderSize(conn, maxLine), t: t, d: d}
}

// checkConn checks a server of kind smtp, imap, pop3 or tcp.
func checkConn(ctx context.Context, t Target, d *Detail) error {
	s, err := dial(ctx, t, d)
	if err != nil {
		return err
	}
	defer s.close()
	return s.converse(ctx)
}

// dial connects to t.Address, with TLS when t.TLS. The connection is
// closed when ctx ends.
func dial(ctx context.Context, t Target, d *Detail) (*session, error) {
	var dl net.Dialer
	conn, err := dl.DialContext(ctx, "tcp", t.Address)
	if err != nil {
		return nil, err
	}
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	s := newSession(conn, t, d)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	s.conn = &stoppingConn{Conn: conn, stop: stop}
	if t.TLS {
		if err := s.handshake(ctx); err != nil {
			s.close()
			return nil, err
		}
	}
	return s, nil
}

// stoppingConn releases the context hook closing it when it is closed.
type stoppingConn struct {
	net.Conn
	stop func() bool
}

func (c *stoppingConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

func (s *session) close() { s.conn.Close() }

// converse holds a check's conversation of the target's kind on an open
// connection.
func (s *session) converse(ctx context.Context) error {
	switch s.t.Kind {
	case SMTP:
		if err := s.smtpOpen(ctx); err != nil {
			return err
		}
		s.send("QUIT")
	case IMAP:
		if err := s.imapOpen(ctx); err != nil {
			return err
		}
		return s.imapLogout()
	case POP3:
		if err := s.popOpen(ctx); err != nil {
			return err
		}
		return s.popQuit()
	}
	return nil // TCP: connected
}

// handshake runs the TLS handshake, verifying the server's certificate,
// and notes the certificates' expiry.
func (s *session) handshake(ctx context.Context) error {
	if s.r.Buffered() > 0 {
		return errors.New("TLS: the server sent more before the handshake (an injection attempt?)")
	}
	tc := tls.Client(s.conn, s.t.tlsConfig())
	if err := tc.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("TLS: %w", err)
	}
	s.d.noteCerts(tc.ConnectionState().PeerCertificates, time.Now(), s.t.Verify.WarnBefore)
	s.conn = tc
	s.r = bufio.NewReaderSize(tc, maxLine)
	s.tls = true
	return nil
}

// errClearLogin refuses to send credentials over a connection without TLS.
var errClearLogin = errors.New("login: refusing to send credentials without TLS (set tls or starttls)")

// tlsConfig verifies the server as t.Verify says.
func (t Target) tlsConfig() *tls.Config {
	name := t.Verify.ServerName
	if name == "" {
		name, _, _ = net.SplitHostPort(t.Address)
	}
	return &tls.Config{ServerName: name, RootCAs: t.Verify.RootCAs, MinVersion: tls.VersionTLS12}
}

// noteCerts records the earliest expiry among certs and whether it is
// within warn (DefaultCertWarning if 0) of now.
func (d *Detail) noteCerts(certs []*x509.Certificate, now time.Time, warn time.Duration) {
	for _, c := range certs {
		if d.CertNotAfter.IsZero() || c.NotAfter.Before(d.CertNotAfter) {
			d.CertNotAfter = c.NotAfter.UTC()
		}
	}
	if warn <= 0 {
		warn = DefaultCertWarning
	}
	d.CertExpiring = !d.CertNotAfter.IsZero() && d.CertNotAfter.Sub(now) < warn
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
	_, err := s.conn.Write([]byte(cmd + "\r\n"))
	return err
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
