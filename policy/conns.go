package policy

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// conn is a served connection that knows when it was last active.
type conn struct {
	net.Conn
	active atomic.Int64 // unix nanoseconds of the last request or reply
}

func (c *conn) touch()                { c.active.Store(time.Now().UnixNano()) }
func (c *conn) lastActive() time.Time { return time.Unix(0, c.active.Load()) }

// connSet holds the open connections of a Server.
type connSet struct {
	mu    sync.Mutex
	conns map[*conn]struct{}
}

func newConnSet() *connSet { return &connSet{conns: map[*conn]struct{}{}} }

func (s *connSet) add(nc net.Conn) *conn {
	c := &conn{Conn: nc}
	c.touch()
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	return c
}

// remove closes c and forgets it; removing it again does nothing.
func (s *connSet) remove(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

func (s *connSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// longestIdle returns the connection whose last request or reply is the
// oldest, or nil. It looks at every connection: it runs only when the set
// is full, and a scan of ten thousand takes tens of microseconds.
func (s *connSet) longestIdle() *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	var oldest *conn
	var at int64
	for c := range s.conns {
		if t := c.active.Load(); oldest == nil || t < at {
			oldest, at = c, t
		}
	}
	return oldest
}

// wakeAll makes every blocked read return at once.
func (s *connSet) wakeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.SetDeadline(time.Now())
	}
}

// Connection bounds.
const (
	// fdReserve is kept of the file-descriptor limit for everything else
	// serve opens (database, HTTP clients, logs, Maildir watches).
	fdReserve = 1024
	// maxDefaultConns caps the default: beyond it, memory (about 10 KB a
	// connection) matters more than descriptors.
	maxDefaultConns = 100_000
	// minDefaultConns is the default's floor when the limit is unknown or
	// tiny.
	minDefaultConns = 256
)

// DefaultMaxConns returns the default bound on open policy connections: the
// file-descriptor limit less what the rest of the process needs (a quarter
// of it, at most 1024), between 256 and 100,000. With a limit of 20,000 it
// is 18,976.
func DefaultMaxConns() int {
	return maxConnsFor(fdLimit())
}

func maxConnsFor(limit uint64) int {
	if limit == 0 {
		return minDefaultConns
	}
	n := limit - min(fdReserve, limit/4)
	return int(max(min(n, maxDefaultConns), minDefaultConns))
}
