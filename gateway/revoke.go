package gateway

import (
	"errors"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
	"github.com/valyala/fasthttp"
)

// Reasons a registered stream is closed before its end.
var (
	errRevoked    = errors.New("gateway: stream closed: its token was revoked or its member removed")
	errClientGone = errors.New("gateway: stream closed: its client went away")
	errStopping   = errors.New("gateway: stream closed: the gateway is shutting down")
)

// openStream is one MCP SSE response in flight (a GET stream, or the SSE
// answer to a POST), registered so that a revocation of its token, or its
// client leaving, closes it at once. Closing it closes the upstream body:
// a Read blocked on a silent upstream returns, and the client connection
// is aborted, since a cut stream must never look complete.
type openStream struct {
	ws, tokenID, memberID string
	hash                  token.Hash
	member                bool // a member token: its member's removal closes it
	get                   bool
	since                 time.Time // when its request was admitted
	client                net.Conn

	mu     sync.Mutex
	r      fasthttp.ReadCloserWithError // the upstream body; nil once the stream ended
	closed error                        // why it was closed; nil while open
}

// cause returns why s was closed, or nil.
func (s *openStream) cause() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// close closes s for cause, once; a stream that already ended is left.
func (s *openStream) close(cause error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.r == nil || s.closed != nil {
		return
	}
	s.closed = cause
	_ = s.r.CloseWithError(cause)
}

// streamSet is the registry of open MCP streams, indexed by workspace, by
// (workspace, token id) and by (workspace, member id), so that a
// revocation finds its streams without a scan. It also remembers recent
// revocations for a while, so that a stream whose request was admitted
// just before a revocation, and registered just after it, is closed too.
// It is safe for concurrent use; it is touched once per stream, never per
// event.
type streamSet struct {
	mu      sync.Mutex
	idx     map[string]map[*openStream]struct{}
	recent  map[string]time.Time // index key → when it was revoked
	closing bool                 // Shutdown began: GET streams are closed as they come
}

// Index keys of a stream: its workspace, its token, its member.
func wsKey(ws string) string         { return ws }
func tokenKey(ws, id string) string  { return ws + "\x00t" + id }
func memberKey(ws, id string) string { return ws + "\x00m" + id }
func streamKeys(s *openStream) [3]string {
	m := memberKey(s.ws, "") // a key's: never revoked by member (keys outlive their creator's membership)
	if s.member {
		m = memberKey(s.ws, s.memberID)
	}
	return [3]string{wsKey(s.ws), tokenKey(s.ws, s.tokenID), m}
}

// recentFor bounds how long a revocation is remembered for streams that
// register late: longer than any request waits for its response headers.
const recentFor = 15 * time.Minute

// addStream registers the SSE body b of the request in st and returns its entry.
func (g *Gateway) addStream(st *state, b *body) *openStream {
	d := &st.dec
	s := &openStream{ws: strings.Clone(st.req.Workspace), tokenID: d.TokenID, memberID: d.MemberID,
		hash: st.req.TokenHash, member: d.TokenKind == token.Member, get: b.mt.get, since: st.start, client: b.client}
	if rc, ok := b.r.(fasthttp.ReadCloserWithError); ok {
		s.r = rc
	}
	if s.r == nil {
		return nil
	}
	set := &g.streams
	set.mu.Lock()
	if set.idx == nil {
		set.idx = make(map[string]map[*openStream]struct{})
	}
	for _, k := range streamKeys(s) {
		m := set.idx[k]
		if m == nil {
			m = make(map[*openStream]struct{})
			set.idx[k] = m
		}
		m[s] = struct{}{}
	}
	var late error
	for _, k := range streamKeys(s) {
		if at, ok := set.recent[k]; ok && !at.Before(s.since) {
			late = errRevoked
		}
	}
	if set.closing && s.get {
		late = errStopping
	}
	set.mu.Unlock()
	if late != nil {
		s.close(late)
	}
	return s
}

// remove forgets s, whose stream ended; a close racing with it waits.
func (set *streamSet) remove(s *openStream) {
	set.mu.Lock()
	for _, k := range streamKeys(s) {
		if m := set.idx[k]; m != nil {
			delete(m, s)
			if len(m) == 0 {
				delete(set.idx, k)
			}
		}
	}
	set.mu.Unlock()
	s.mu.Lock()
	s.r = nil
	s.mu.Unlock()
}

// revoke closes the streams r names (a token, a member's tokens, or a
// whole workspace's) and remembers r for streams still to register. It
// returns how many it closed.
func (set *streamSet) revoke(r store.Revocation, now time.Time) int {
	key := wsKey(r.Workspace)
	switch {
	case r.TokenID != "":
		key = tokenKey(r.Workspace, r.TokenID)
	case r.MemberID != "":
		key = memberKey(r.Workspace, r.MemberID)
	}
	set.mu.Lock()
	if set.recent == nil {
		set.recent = make(map[string]time.Time)
	}
	for k, at := range set.recent {
		if now.Sub(at) > recentFor {
			delete(set.recent, k)
		}
	}
	set.recent[key] = now
	list := make([]*openStream, 0, len(set.idx[key]))
	for s := range set.idx[key] {
		list = append(list, s)
	}
	set.mu.Unlock()
	for _, s := range list {
		s.close(errRevoked)
	}
	return len(list)
}

// snapshot returns every open stream.
func (set *streamSet) snapshot() []*openStream {
	set.mu.Lock()
	defer set.mu.Unlock()
	var list []*openStream
	for k, m := range set.idx {
		if strings.IndexByte(k, 0) >= 0 {
			continue // the token and member indexes repeat the workspace's
		}
		for s := range m {
			list = append(list, s)
		}
	}
	return list
}

// closeGets closes every GET stream, and those that register from now on,
// when the gateway shuts down: they carry no work in flight, and their
// clients reconnect elsewhere.
func (set *streamSet) closeGets() {
	set.mu.Lock()
	set.closing = true
	set.mu.Unlock()
	for _, s := range set.snapshot() {
		if s.get {
			s.close(errStopping)
		}
	}
}
