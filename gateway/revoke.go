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
	links                 [3]link // in the lists of its keys (streamSet.idx)

	mu     sync.Mutex
	r      fasthttp.ReadCloserWithError // the upstream body; nil once the stream ended
	closed error                        // why it was closed; nil while open
}

// link is an openStream's place in one list of the registry.
type link struct{ prev, next *openStream }

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

// streamKey names a list of the registry: a workspace's streams (kind
// 'w'), a token's ('t', id the token id) or a member's ('m').
type streamKey struct {
	ws, id string
	kind   byte
}

// keys returns the lists s belongs to: its workspace's, its token's, and
// for a member token its member's (a key outlives its creator's
// membership, so a member's revocation does not close its streams).
func (s *openStream) keys() [3]streamKey {
	m := streamKey{ws: s.ws, kind: 'k'} // a key's: a list no revocation names
	if s.member {
		m = streamKey{ws: s.ws, id: s.memberID, kind: 'm'}
	}
	return [3]streamKey{{ws: s.ws, kind: 'w'}, {ws: s.ws, id: s.tokenID, kind: 't'}, m}
}

// streamSet is the registry of open MCP streams: for each workspace, token
// and member, an intrusive list of its streams, so that a revocation finds
// them without a scan and registering one allocates nothing but the entry.
// It also remembers recent revocations for a while, so that a stream whose
// request was admitted just before a revocation, and registered just after
// it, is closed too. It is safe for concurrent use; it is touched once per
// stream, never per event.
type streamSet struct {
	mu      sync.Mutex
	idx     map[streamKey]*openStream // the head of each list
	recent  map[streamKey]time.Time   // revoked lists → when
	closing bool                      // Shutdown began: GET streams are closed as they come
}

// recentFor bounds how long a revocation is remembered for streams that
// register late: longer than any request waits for its response headers.
const recentFor = 15 * time.Minute

// addStream registers the SSE body b of the request in st and returns its
// entry, or nil when its body cannot be closed from outside.
func (g *Gateway) addStream(st *state, b *body) *openStream {
	r, ok := b.r.(fasthttp.ReadCloserWithError)
	if !ok {
		return nil
	}
	d := &st.dec
	s := &openStream{hash: st.req.TokenHash, member: d.TokenKind == token.Member, get: b.mt.get,
		since: st.start, client: b.client, r: r}
	if tk := &b.tap.tk; tk.on { // the ticket's copies outlive the request
		s.ws, s.tokenID, s.memberID = tk.ws, tk.tokenID, tk.memberID
	} else {
		s.ws, s.tokenID, s.memberID = strings.Clone(st.req.Workspace), strings.Clone(d.TokenID), strings.Clone(d.MemberID)
	}
	set := &g.streams
	var late error
	set.mu.Lock()
	if set.idx == nil {
		set.idx = make(map[streamKey]*openStream)
	}
	for i, k := range s.keys() {
		head := set.idx[k]
		s.links[i] = link{next: head}
		if head != nil {
			head.links[i].prev = s
		}
		set.idx[k] = s
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
	for i, k := range s.keys() {
		l := s.links[i]
		if l.prev != nil {
			l.prev.links[i].next = l.next
		} else if l.next != nil {
			set.idx[k] = l.next
		} else {
			delete(set.idx, k)
		}
		if l.next != nil {
			l.next.links[i].prev = l.prev
		}
		s.links[i] = link{}
	}
	set.mu.Unlock()
	s.mu.Lock()
	s.r = nil
	s.mu.Unlock()
}

// list returns the streams of list k; the caller holds mu.
func (set *streamSet) list(k streamKey, i int) []*openStream {
	var out []*openStream
	for s := set.idx[k]; s != nil; s = s.links[i].next {
		out = append(out, s)
	}
	return out
}

// revoke closes the streams r names (a token, a member's tokens, or a
// whole workspace's) and remembers r for streams still to register. It
// returns how many it closed.
func (set *streamSet) revoke(r store.Revocation, now time.Time) int {
	k, i := streamKey{ws: r.Workspace, kind: 'w'}, 0
	switch {
	case r.TokenID != "":
		k, i = streamKey{ws: r.Workspace, id: r.TokenID, kind: 't'}, 1
	case r.MemberID != "":
		k, i = streamKey{ws: r.Workspace, id: r.MemberID, kind: 'm'}, 2
	}
	set.mu.Lock()
	if set.recent == nil {
		set.recent = make(map[streamKey]time.Time)
	}
	for old, at := range set.recent {
		if now.Sub(at) > recentFor {
			delete(set.recent, old)
		}
	}
	set.recent[k] = now
	list := set.list(k, i)
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
	var all []*openStream
	for k := range set.idx {
		if k.kind == 'w' {
			all = append(all, set.list(k, 0)...)
		}
	}
	return all
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
