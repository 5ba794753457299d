package probe_test

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering/probe"
)

// mailServer is a small SMTP, IMAP or POP3 server on loopback for the
// checks: TLS (STARTTLS, or implicit) with a test certificate, one
// account, and for SMTP a delivery function.
type mailServer struct {
	kind       string
	cert       *tls.Certificate // nil: no TLS
	implicit   bool             // TLS from the first byte
	noSTARTTLS bool             // do not offer STARTTLS
	user, pass string
	greetDelay time.Duration              // before the greeting
	deliver    func(from, to, msg string) // SMTP: an accepted message
	box        *memBox                    // IMAP: the account's INBOX
}

// start serves on a loopback port until the test ends and returns the
// address.
func (m *mailServer) start(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go m.serve(c)
		}
	}()
	return ln.Addr().String()
}

func (m *mailServer) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	f := &fakeConn{c: c, r: bufio.NewReader(c)}
	if m.implicit && f.startTLS(m.cert) != nil {
		return
	}
	if m.greetDelay > 0 {
		<-time.After(m.greetDelay) // a slow server: the client waits for its greeting
	}
	switch m.kind {
	case probe.SMTP:
		m.smtp(f)
	case probe.IMAP:
		m.imap(f)
	case probe.POP3:
		m.pop3(f)
	}
}

// fakeConn is the server's side of a connection.
type fakeConn struct {
	c     net.Conn
	r     *bufio.Reader
	tlsOn bool
}

func (f *fakeConn) printf(format string, args ...any) { fmt.Fprintf(f.c, format, args...) }

func (f *fakeConn) line() (string, error) {
	l, err := f.r.ReadString('\n')
	return strings.TrimRight(l, "\r\n"), err
}

func (f *fakeConn) startTLS(cert *tls.Certificate) error {
	tc := tls.Server(f.c, &tls.Config{Certificates: []tls.Certificate{*cert}})
	if err := tc.Handshake(); err != nil {
		return err
	}
	f.c, f.r, f.tlsOn = tc, bufio.NewReader(tc), true
	return nil
}

// plainCreds decodes a SASL PLAIN response.
func plainCreds(b64 string) (user, pass string) {
	b, _ := base64.StdEncoding.DecodeString(b64)
	parts := strings.Split(string(b), "\x00")
	if len(parts) != 3 {
		return "", ""
	}
	return parts[1], parts[2]
}

func unb64(s string) string {
	b, _ := base64.StdEncoding.DecodeString(s)
	return string(b)
}

func (m *mailServer) smtp(f *fakeConn) {
	f.printf("220 mx.test ESMTP\r\n")
	var from, to string
	for {
		l, err := f.line()
		if err != nil {
			return
		}
		fields := strings.Fields(l)
		if len(fields) == 0 {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "EHLO":
			f.printf("250-mx.test\r\n")
			if m.cert != nil && !f.tlsOn && !m.noSTARTTLS {
				f.printf("250-STARTTLS\r\n")
			}
			f.printf("250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
		case "STARTTLS":
			f.printf("220 2.0.0 Ready to start TLS\r\n")
			if f.startTLS(m.cert) != nil {
				return
			}
		case "AUTH":
			if !m.smtpAuth(f, fields[1:]) {
				f.printf("535 5.7.8 Error: authentication failed\r\n")
				continue
			}
			f.printf("235 2.7.0 Authentication successful\r\n")
		case "MAIL":
			from = between(l, "<", ">")
			f.printf("250 2.1.0 Ok\r\n")
		case "RCPT":
			to = between(l, "<", ">")
			f.printf("250 2.1.5 Ok\r\n")
		case "DATA":
			f.printf("354 End data with <CR><LF>.<CR><LF>\r\n")
			var msg strings.Builder
			for {
				l, err := f.line()
				if err != nil {
					return
				}
				if l == "." {
					break
				}
				msg.WriteString(strings.TrimPrefix(l, ".") + "\r\n")
			}
			if m.deliver != nil {
				m.deliver(from, to, msg.String())
			}
			f.printf("250 2.0.0 Ok: queued as ABC123\r\n")
		case "QUIT":
			f.printf("221 2.0.0 Bye\r\n")
			return
		default:
			f.printf("502 5.5.2 Error: command not recognized\r\n")
		}
	}
}

func (m *mailServer) smtpAuth(f *fakeConn, args []string) bool {
	if len(args) == 0 {
		return false
	}
	var u, p string
	switch strings.ToUpper(args[0]) {
	case "PLAIN":
		resp := ""
		if len(args) > 1 {
			resp = args[1]
		} else {
			f.printf("334 \r\n")
			resp, _ = f.line()
		}
		u, p = plainCreds(resp)
	case "LOGIN":
		f.printf("334 VXNlcm5hbWU6\r\n")
		l, _ := f.line()
		u = unb64(l)
		f.printf("334 UGFzc3dvcmQ6\r\n")
		l, _ = f.line()
		p = unb64(l)
	}
	return u == m.user && p == m.pass && u != ""
}

func between(s, open, close string) string {
	_, rest, _ := strings.Cut(s, open)
	v, _, _ := strings.Cut(rest, close)
	return v
}

func (m *mailServer) imap(f *fakeConn) {
	f.printf("* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] test ready.\r\n")
	for {
		l, err := f.line()
		if err != nil {
			return
		}
		tag, rest, _ := strings.Cut(l, " ")
		cmd, args, _ := strings.Cut(rest, " ")
		switch strings.ToUpper(cmd) {
		case "STARTTLS":
			f.printf("%s OK Begin TLS negotiation now.\r\n", tag)
			if f.startTLS(m.cert) != nil {
				return
			}
		case "LOGIN":
			qs := quoted(args)
			if len(qs) == 2 && qs[0] == m.user && qs[1] == m.pass {
				f.printf("%s OK Logged in\r\n", tag)
			} else {
				f.printf("%s NO [AUTHENTICATIONFAILED] Authentication failed.\r\n", tag)
			}
		case "AUTHENTICATE":
			f.printf("+ \r\n")
			resp, _ := f.line()
			if u, p := plainCreds(resp); u == m.user && p == m.pass {
				f.printf("%s OK Logged in\r\n", tag)
			} else {
				f.printf("%s NO [AUTHENTICATIONFAILED] Authentication failed.\r\n", tag)
			}
		case "SELECT":
			f.printf("* %d EXISTS\r\n%s OK [READ-WRITE] Select completed.\r\n", m.box.count(), tag)
		case "UID":
			m.imapUID(f, tag, args)
		case "NOOP":
			f.printf("%s OK NOOP completed.\r\n", tag)
		case "EXPUNGE":
			m.box.expunge()
			f.printf("%s OK Expunge completed.\r\n", tag)
		case "LOGOUT":
			f.printf("* BYE Logging out\r\n%s OK Logout completed.\r\n", tag)
			return
		default:
			f.printf("%s BAD Error in IMAP command\r\n", tag)
		}
	}
}

func (m *mailServer) imapUID(f *fakeConn, tag, args string) {
	sub, rest, _ := strings.Cut(args, " ")
	switch strings.ToUpper(sub) {
	case "SEARCH": // HEADER field "string"
		q := quoted(rest)
		f.printf("* SEARCH%s\r\n%s OK Search completed.\r\n", m.box.search(q[0]), tag)
	case "STORE": // set +FLAGS.SILENT (\Deleted)
		set, _, _ := strings.Cut(rest, " ")
		m.box.markDeleted(strings.Split(set, ","))
		f.printf("%s OK Store completed.\r\n", tag)
	default:
		f.printf("%s BAD\r\n", tag)
	}
}

// quoted returns the IMAP quoted strings of s.
func quoted(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			return out
		}
		var b strings.Builder
		j := i + 1
		for ; j < len(s) && s[j] != '"'; j++ {
			if s[j] == '\\' && j+1 < len(s) {
				j++
			}
			b.WriteByte(s[j])
		}
		out = append(out, b.String())
		if j >= len(s) {
			return out
		}
		s = s[j+1:]
	}
}

func (m *mailServer) pop3(f *fakeConn) {
	f.printf("+OK test ready.\r\n")
	user := ""
	for {
		l, err := f.line()
		if err != nil {
			return
		}
		cmd, arg, _ := strings.Cut(l, " ")
		switch strings.ToUpper(cmd) {
		case "STLS":
			f.printf("+OK Begin TLS negotiation\r\n")
			if f.startTLS(m.cert) != nil {
				return
			}
		case "USER":
			user = arg
			f.printf("+OK\r\n")
		case "PASS":
			if user == m.user && arg == m.pass {
				f.printf("+OK Logged in.\r\n")
			} else {
				f.printf("-ERR [AUTH] Authentication failed.\r\n")
			}
		case "AUTH":
			f.printf("+ \r\n")
			resp, _ := f.line()
			if u, p := plainCreds(resp); u == m.user && p == m.pass {
				f.printf("+OK Logged in.\r\n")
			} else {
				f.printf("-ERR [AUTH] Authentication failed.\r\n")
			}
		case "QUIT":
			f.printf("+OK Logging out.\r\n")
			return
		default:
			f.printf("-ERR Unknown command\r\n")
		}
	}
}

// memBox is an IMAP INBOX in memory.
type memBox struct {
	mu      sync.Mutex
	next    int
	msgs    map[int]string
	deleted map[int]bool
}

func newMemBox() *memBox { return &memBox{next: 1, msgs: map[int]string{}, deleted: map[int]bool{}} }

func (b *memBox) add(msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.msgs[b.next] = msg
	b.next++
}

func (b *memBox) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.msgs)
}

// search returns " uid uid…" of the messages whose probe tag header
// contains q, case-insensitively (as IMAP SEARCH HEADER does).
func (b *memBox) search(q string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out strings.Builder
	for uid := 1; uid < b.next; uid++ {
		msg, ok := b.msgs[uid]
		if !ok {
			continue
		}
		for _, l := range strings.Split(msg, "\r\n") {
			name, v, _ := strings.Cut(l, ":")
			if strings.EqualFold(name, probe.TagHeader) && strings.Contains(strings.ToLower(v), strings.ToLower(q)) {
				out.WriteString(" " + strconv.Itoa(uid))
			}
		}
	}
	return out.String()
}

func (b *memBox) markDeleted(uids []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, u := range uids {
		n, _ := strconv.Atoi(u)
		b.deleted[n] = true
	}
}

func (b *memBox) expunge() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for uid := range b.deleted {
		delete(b.msgs, uid)
	}
	b.deleted = map[int]bool{}
}

// messages returns the messages left, by uid.
func (b *memBox) messages() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for uid := 1; uid < b.next; uid++ {
		if m, ok := b.msgs[uid]; ok {
			out = append(out, m)
		}
	}
	return out
}
