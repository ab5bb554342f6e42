package gateway_test

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/gateway"
	"github.com/tollgate-dev/tollgate/store"
)

// silentListener accepts connections and never reads or writes: a hung
// upstream, or a TLS endpoint that never completes its handshake.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String()
}

// TestUpstreamThatNeverReadsCannotHangARequest: a large body sent to an
// upstream that accepts but never reads fills the socket buffers; the write
// deadline (IdleTimeout) ends the request with an error instead of a hang.
func TestUpstreamThatNeverReadsCannotHangARequest(t *testing.T) {
	e := newEnv(t, gateway.Config{IdleTimeout: 100 * time.Millisecond, FirstByteTimeout: time.Hour,
		MaxBodyBytes: 64 << 20}, store.Limits{})
	e.addUpstream("llm", "http://"+silentListener(t), nil)
	resp := e.do("POST", "/llm/x", strings.Repeat("x", 24<<20))
	if resp.StatusCode < 500 {
		t.Fatalf("status %d, want a 5xx", resp.StatusCode)
	}
}

// TestStalledTLSHandshakeIsAConnectFailure: the handshake runs under
// ConnectTimeout and a stall is 502 upstream_unreachable, not a 504 after
// the (long) first-byte timeout.
func TestStalledTLSHandshakeIsAConnectFailure(t *testing.T) {
	e := newEnv(t, gateway.Config{ConnectTimeout: 100 * time.Millisecond, FirstByteTimeout: time.Hour}, store.Limits{})
	e.addUpstream("llm", "https://"+silentListener(t), nil)
	assertError(t, e.do("POST", "/llm/x", "{}"), 502, "upstream_unreachable")
}
