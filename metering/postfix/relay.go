package postfix

import "github.com/mailmeter/mailmeter/metering/logline"

// Relay is a delivery's relay= value taken apart.
type Relay struct {
	Host []byte // "mail.example.com", "local", "none", "127.0.0.1"
	Addr []byte // the bracketed part: an IP address or a unix socket path
	Port int    // 0 when absent
}

// ParseRelay splits "host[addr]:port", "host[addr]" or "word".
func ParseRelay(b []byte) Relay {
	open := -1
	for i, c := range b {
		if c == '[' {
			open = i
			break
		}
	}
	if open < 0 {
		return Relay{Host: b}
	}
	r := Relay{Host: b[:open:open]}
	rest := b[open+1:]
	close := -1
	for i := len(rest) - 1; i >= 0; i-- {
		if rest[i] == ']' {
			close = i
			break
		}
	}
	if close < 0 {
		r.Addr = rest
		return r
	}
	r.Addr = rest[:close:close]
	if tail := rest[close+1:]; len(tail) > 1 && tail[0] == ':' {
		if n, ok := logline.Atoi(tail[1:]); ok && n < 1<<16 {
			r.Port = int(n)
		}
	}
	return r
}

// Loopback reports whether the relay is this host: 127.0.0.0/8, ::1,
// "localhost", or a unix-domain socket.
func (r Relay) Loopback() bool {
	a := r.Addr
	if hasPrefix(a, "IPv6:") || hasPrefix(a, "ipv6:") {
		a = a[5:]
	}
	switch {
	case hasPrefix(a, "127."), string(a) == "::1", string(a) == "::ffff:127.0.0.1",
		string(r.Host) == "localhost", hasPrefix(r.Host, "localhost."):
		return true
	}
	for _, c := range a {
		if c == '/' {
			return true // private/dovecot-lmtp, /var/run/…
		}
	}
	return false
}
