package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"time"
)

// errCut is returned by dial once Shutdown has cut the remaining connections.
var errCut = errors.New("gateway: shutting down")

// dialError marks a failure to connect to an upstream, so that it maps to 502
// and never to 504.
type dialError struct{ err error }

func (e *dialError) Error() string { return "gateway: connect to upstream: " + e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

// dial connects to an upstream within ConnectTimeout and wraps the connection
// in an upstreamConn; with tlsConf it also completes the TLS handshake within
// ConnectTimeout, so a stalled handshake is a connect failure (502), not a
// first-byte timeout. It backs the Dial of every upstream HostClient (fasthttp
// skips its own handshake for a connection that already has one). idle is
// the connection's idle timeout: IdleTimeout, or MCPStreamIdleTimeout for
// the connections of MCP GET streams.
func (g *Gateway) dial(addr string, tlsConf *tls.Config, idle time.Duration) (net.Conn, error) {
	if g.conns.isCut() {
		return nil, &dialError{errCut}
	}
	ctx, cancel := context.WithTimeout(context.Background(), g.cfg.ConnectTimeout)
	defer cancel()
	c, err := g.dialer(ctx, "tcp", addr)
	if err != nil {
		return nil, &dialError{err}
	}
	uc := &upstreamConn{Conn: c, ttfb: g.cfg.FirstByteTimeout, idle: idle, set: &g.conns}
	if !g.conns.add(uc) {
		_ = c.Close()
		return nil, &dialError{errCut}
	}
	if tlsConf == nil {
		return uc, nil
	}
	tc := tls.Client(uc, tlsConf)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = uc.Close()
		return nil, &dialError{err}
	}
	return tc, nil
}

// upstreamConn bounds every read from an upstream instead of the whole
// response: the first Read after a Write may wait FirstByteTimeout (the
// upstream is thinking), every other Read IdleTimeout (the gap between two
// pieces of the body). A stream that keeps sending is never cut, however
// long it runs. A zero timeout means no deadline for that kind of read.
//
// Deadlines are re-armed lazily, a shape chosen for speed: changing a
// deadline changes a runtime timer, which cost more than the rest of a small
// read or write. A deadline is moved only when it falls outside [now+d,
// now+d+d/16], so a timeout d is enforced after a silence of between d and
// d·17/16, never less than configured, and a busy connection touches its
// timer about every d/16.
//
// fasthttp writes a request and reads its response on one goroutine, and
// hands the connection to the body reader and back to its pool with
// happens-before edges, so the fields need no lock.
type upstreamConn struct {
	net.Conn
	ttfb, idle time.Duration
	awaiting   bool      // a request was written and no byte of the answer read yet
	readAt     time.Time // the read deadline last set; zero: none
	writeAt    time.Time // the write deadline last set
	set        *connSet
}

// due reports whether a deadline last set to at must move for a timeout of
// d from now, and where to.
func due(at, now time.Time, d time.Duration) (time.Time, bool) {
	want := now.Add(d)
	if !at.Before(want) && !at.After(want.Add(d/16)) {
		return at, false
	}
	return want.Add(d / 16), true
}

// Write sends p within IdleTimeout (an upstream that stops reading the
// request cannot hold it forever) and arms the first-byte deadline for the
// next Read.
func (c *upstreamConn) Write(p []byte) (int, error) {
	c.awaiting = true
	if c.idle > 0 {
		if at, move := due(c.writeAt, time.Now(), c.idle); move {
			if err := c.Conn.SetWriteDeadline(at); err != nil {
				return 0, err
			}
			c.writeAt = at
		}
	}
	return c.Conn.Write(p)
}

// Read bounds this read by the first-byte or the idle timeout, then reads.
func (c *upstreamConn) Read(p []byte) (int, error) {
	d := c.idle
	if c.awaiting {
		d = c.ttfb
	}
	if d > 0 {
		if at, move := due(c.readAt, time.Now(), d); move {
			if err := c.Conn.SetReadDeadline(at); err != nil {
				return 0, err
			}
			c.readAt = at
		}
	} else if !c.readAt.IsZero() {
		if err := c.Conn.SetReadDeadline(time.Time{}); err != nil {
			return 0, err
		}
		c.readAt = time.Time{}
	}
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.awaiting = false
	}
	return n, err
}

// Close closes the connection and forgets it.
func (c *upstreamConn) Close() error {
	c.set.remove(c)
	return c.Conn.Close()
}

// connSet tracks open connections so Shutdown can cut them at its deadline.
// Its map is touched once per connection, never per request.
type connSet struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	cut   bool
	live  inflight // tracked connections not yet removed, cut ones included
}

// add tracks c, or reports false once the set was cut.
func (s *connSet) add(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cut {
		return false
	}
	if s.conns == nil {
		s.conns = make(map[net.Conn]struct{})
	}
	s.conns[c] = struct{}{}
	s.live.add()
	return true
}

// remove forgets c once its owner is done with it (for client connections:
// after fasthttp has finished serving it, its response body closed).
func (s *connSet) remove(c net.Conn) {
	s.mu.Lock()
	_, ok := s.conns[c]
	delete(s.conns, c)
	s.mu.Unlock()
	if ok {
		s.live.done()
	}
}

func (s *connSet) isCut() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cut
}

// closeAll closes every tracked connection and refuses new ones. The
// connections stay tracked until removed, so live tells when their owners
// have unwound.
func (s *connSet) closeAll() {
	s.mu.Lock()
	s.cut = true
	conns := make([]net.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}
