package probe

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// FuzzConverse: whatever a server answers, a check (with or without a
// login, STARTTLS or a round trip's SMTP send) returns, up or with an
// error, and never panics or hangs past the connection's end.
func FuzzConverse(f *testing.F) {
	f.Add(uint8(0), []byte("220 mx ESMTP\r\n250-mx\r\n250 8BITMIME\r\n"))
	f.Add(uint8(1), []byte("* OK ready\r\n* BYE\r\np1 OK done\r\n"))
	f.Add(uint8(2), []byte("+OK ready\r\n+OK bye\r\n"))
	f.Add(uint8(0), []byte("220"))
	f.Add(uint8(1), []byte("* OK\r\np1 NO\r\n"))
	f.Add(uint8(0), []byte("220-a\r\n220-b\r\n"))
	f.Add(uint8(4), []byte("220 mx\r\n250-mx\r\n250 AUTH PLAIN LOGIN\r\n235 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n"))
	f.Add(uint8(5), []byte("* OK\r\n+ \r\np1 OK in\r\n* SEARCH 1 2\r\np2 OK\r\n* 1 FETCH {5}\r\nhello\r\np3 OK\r\n"))
	f.Add(uint8(6), []byte("+OK\r\n+ \r\n+OK in\r\n+OK bye\r\n"))
	f.Add(uint8(7), []byte("220 mx\r\n250 STARTTLS\r\n220 go ahead\r\n"))
	login := Login{Username: "probe@example.com", Password: "secret", Mechanism: MechPlain}
	targets := []Target{{Kind: SMTP}, {Kind: IMAP}, {Kind: POP3}, {Kind: TCP},
		{Kind: SMTP, Login: login}, {Kind: IMAP, Login: login}, {Kind: POP3, Login: Login{Username: "p", Password: "s", Mechanism: MechLogin}},
		{Kind: SMTP, StartTLS: true, Address: "127.0.0.1:587"}}
	f.Fuzz(func(t *testing.T, k uint8, answer []byte) {
		client, server := net.Pipe()
		go func() {
			defer server.Close()
			go io.Copy(io.Discard, server) // the client's commands
			server.Write(answer)
		}()
		client.SetDeadline(time.Now().Add(5 * time.Second))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		tg := targets[int(k)%len(targets)]
		var d Detail
		s := newSession(client, tg, &d)
		s.tls = tg.Login.Username != "" // the conversation after a handshake
		done := make(chan error, 1)
		go func() {
			if k%2 == 0 && tg.Kind == SMTP && tg.Login.Username != "" {
				err := s.smtpOpen(ctx)
				if err == nil {
					err = s.smtpSend("a@b", "c@d", []string{"Subject: x", "", ".dot"})
				}
				done <- err
				return
			}
			if tg.Kind == IMAP && k%3 == 0 {
				b := &imapBox{s: s}
				_, err := b.take(ctx, "p", "t")
				done <- err
				return
			}
			done <- s.converse(ctx)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("converse did not return on %q", answer)
		}
		client.Close()
	})
}
