package storetest

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Proxy forwards TCP connections from a loopback address to target until
// the test ends or Kill is called, so a test can take a database away from
// a store that is using it.
type Proxy struct {
	Addr string // host:port to connect to instead of target

	ln     net.Listener
	mu     sync.Mutex
	killed bool
	conns  []net.Conn
	done   sync.WaitGroup
}

// NewProxy starts a proxy to target (host:port).
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{Addr: ln.Addr().String(), ln: ln}
	p.done.Add(1)
	go p.accept(ln, target)
	t.Cleanup(p.Kill)
	return p
}

func (p *Proxy) accept(ln net.Listener, target string) {
	defer p.done.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", target)
		if err != nil {
			c.Close()
			continue
		}
		if !p.track(c, up) {
			return
		}
		p.done.Add(2)
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

// track remembers a connection pair; false once the proxy is killed.
func (p *Proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.killed {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	p.conns = append(p.conns, cs...)
	return true
}

func (p *Proxy) pipe(dst, src net.Conn) {
	defer p.done.Done()
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
}

// Kill closes the listener and every forwarded connection: the database
// is unreachable through the proxy from then on (connections are refused).
func (p *Proxy) Kill() {
	p.mu.Lock()
	if !p.killed {
		p.killed = true
		p.ln.Close()
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.done.Wait()
}
