package probe

import (
	"io"
	"net"
	"testing"
	"time"
)

// FuzzConverse: whatever a server answers, a check returns (up or with an
// error) and never panics or hangs past the connection's end.
func FuzzConverse(f *testing.F) {
	f.Add(uint8(0), []byte("220 mx ESMTP\r\n250-mx\r\n250 8BITMIME\r\n"))
	f.Add(uint8(1), []byte("* OK ready\r\n* BYE\r\np1 OK done\r\n"))
	f.Add(uint8(2), []byte("+OK ready\r\n+OK bye\r\n"))
	f.Add(uint8(0), []byte("220"))
	f.Add(uint8(1), []byte("* OK\r\np1 NO\r\n"))
	f.Add(uint8(0), []byte("220-a\r\n220-b\r\n"))
	kinds := []string{SMTP, IMAP, POP3, TCP}
	f.Fuzz(func(t *testing.T, k uint8, answer []byte) {
		client, server := net.Pipe()
		go func() {
			defer server.Close()
			go io.Copy(io.Discard, server) // the client's commands
			server.Write(answer)
		}()
		client.SetDeadline(time.Now().Add(5 * time.Second))
		done := make(chan error, 1)
		go func() { done <- converse(kinds[int(k)%len(kinds)], client) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("converse did not return on %q", answer)
		}
		client.Close()
	})
}
