package gateway

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate-dev/tollgate/mcp"
)

// In the 2024-11-05 HTTP+SSE transport a client opens a GET stream whose
// first event, "endpoint", names the URI it must POST its messages to; the
// POSTs are answered 202 and their responses arrive on the GET stream. The
// gateway rewrites that URI to a path through itself (mcp.Endpoint), and
// keeps, per open stream, a session keyed by the session id of that URI
// (mcp_session_key.go): the POSTs to it register their requests in the
// session's mcp.Tracker, so that the GET stream settles their tool calls.
// The GET stream filters every tools/list result it carries whatever
// request it answers (mcp.Stream), so a POST the gateway cannot tie to its
// session still gets a filtered list.
//
// A session lives in the replica that holds its GET stream: a POST naming
// a session this replica does not hold is refused (404), as is one naming
// a session ambiguously (400). Deployments of this deprecated transport
// with several replicas need session affinity (by the URI's query).

// sessionSet holds the open 2024-11-05 sessions, keyed by sessionKey. It
// is safe for concurrent use; a lookup does not allocate.
type sessionSet struct {
	mu sync.RWMutex
	m  map[string]*sseSession
	n  atomic.Int32
}

// sseSession is one open 2024-11-05 session: its tracker, shared with the
// GET stream's mcp.Stream, and the tool calls POSTed in it whose responses
// are awaited, by tracker ref.
type sseSession struct {
	key     string
	tracker *mcp.Tracker
	wake    chan struct{} // signalled when a message is injected
	mu      sync.Mutex
	next    int
	pending map[int]*pendingCall
	inj     [][]byte // JSON-RPC messages to send on the stream (denials)
}

// pendingCall is a tool call POSTed in a session, with the ticket of its
// POST, settled when its response passes on the GET stream.
type pendingCall struct {
	tk   ticket
	call toolCall
}

// lookup returns the session that a POST to uri on upstream name in
// workspace ws belongs to, or nil when uri names none. A uri whose query
// names a session this gateway does not hold is refused (errSessionUnknown),
// as is one naming it ambiguously (errSessionAmbiguous): the upstream would
// answer it on a stream the gateway does not watch as that session's. It
// does not allocate unless the session parameter is escaped.
func (s *sessionSet) lookup(ws string, name, uri []byte) (*sseSession, error) {
	var kb [256]byte
	key, param, err := sessionKey(kb[:0], ws, name, uri)
	if err != nil {
		return nil, err
	}
	var sess *sseSession
	if s.n.Load() > 0 {
		s.mu.RLock()
		sess = s.m[string(key)]
		s.mu.RUnlock()
	}
	if sess == nil && param {
		return nil, errSessionUnknown
	}
	return sess, nil
}

// open registers the session of a GET stream in workspace ws on upstream
// name whose endpoint was rewritten to uri. A second stream announcing the
// same session replaces the first.
func (s *sessionSet) open(ws, name string, uri []byte, tr *mcp.Tracker) *sseSession {
	key, _, _ := sessionKey(nil, ws, []byte(name), uri) // an ambiguous endpoint: keyed by its URI, its POSTs refused
	sess := &sseSession{key: string(key), tracker: tr, pending: make(map[int]*pendingCall),
		wake: make(chan struct{}, 1)}
	s.mu.Lock()
	if s.m == nil {
		s.m = make(map[string]*sseSession)
	}
	if _, ok := s.m[sess.key]; !ok {
		s.n.Add(1)
	}
	s.m[sess.key] = sess
	s.mu.Unlock()
	return sess
}

// close ends sess (nil: nothing) as its GET stream ended by cause: it is
// forgotten, and the calls still awaiting a response are settled as if
// none came.
func (s *sessionSet) close(g *Gateway, sess *sseSession, cause endCause, at time.Time) {
	if sess == nil {
		return
	}
	s.mu.Lock()
	if s.m[sess.key] == sess {
		delete(s.m, sess.key)
		s.n.Add(-1)
	}
	s.mu.Unlock()
	sess.mu.Lock()
	left := sess.pending
	sess.pending = nil
	sess.mu.Unlock()
	for _, pc := range left {
		g.settleCall(&pc.tk, &pc.call, mcp.NoResult, cause, at)
	}
}

// track registers the requests of st that are to be POSTed in the
// session (those not denied) with its tracker; the tool calls are handed
// to the session, which settles them when their responses pass on the GET
// stream. A request whose id is that of one still awaiting its response is
// refused, and nothing is registered (the error wraps mcp.ErrDuplicateID).
func (sess *sseSession) track(st *state) error {
	m := &st.mc
	return sess.tracker.Add(m.calls, func(i int) bool { return m.deny[i] != nil }, func(i int) int {
		k := 0
		for k < len(m.tools) && m.tools[k].ref != i {
			k++
		}
		if k == len(m.tools) { // not metered
			return -1
		}
		t := &m.tools[k]
		sess.mu.Lock()
		defer sess.mu.Unlock()
		if sess.pending == nil { // the stream ended
			return -1
		}
		ref := sess.next
		sess.next++
		pc := &pendingCall{tk: st.tk, call: *t}
		pc.tk.status = 200 // the GET stream's
		sess.pending[ref] = pc
		t.settled, t.sessRef = true, ref
		return ref
	})
}

// untrack takes back the requests of st that were given to sess (nil:
// none) when their POST failed: no response will come, so their ids are
// forgotten (the client may send them again) and their tool calls settled
// at once as the POST ended (status in st's ticket).
func (sess *sseSession) untrack(g *Gateway, st *state) {
	if sess == nil {
		return
	}
	sess.tracker.Forget(st.mc.calls, func(i int) bool { return st.mc.deny[i] != nil })
	now := g.now()
	for i := range st.mc.tools {
		t := &st.mc.tools[i]
		if t.sessRef < 0 {
			continue
		}
		if pc := sess.take(t.sessRef); pc != nil {
			pc.tk.status = st.tk.status
			g.settleCall(&pc.tk, &pc.call, mcp.NoResult, endGateway, now)
		}
		t.sessRef = -1
	}
}

// inject queues msgs, JSON-RPC messages (copied), to be sent on the
// session's GET stream at its next event boundary, and wakes the stream.
func (sess *sseSession) inject(msgs ...[]byte) {
	if len(msgs) == 0 {
		return
	}
	sess.mu.Lock()
	for _, msg := range msgs {
		sess.inj = append(sess.inj, append([]byte(nil), msg...))
	}
	sess.mu.Unlock()
	select {
	case sess.wake <- struct{}{}:
	default:
	}
}

// injected takes the queued messages.
func (sess *sseSession) injected() [][]byte {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	inj := sess.inj
	sess.inj = nil
	return inj
}

// take removes and returns the pending call of ref, or nil.
func (sess *sseSession) take(ref int) *pendingCall {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	pc := sess.pending[ref]
	delete(sess.pending, ref)
	return pc
}

// settle settles the call whose outcome the GET stream observed. sess may
// be nil (a stream that is not a 2024-11-05 session observes nothing).
func (sess *sseSession) settle(g *Gateway, o mcp.Observation, at time.Time) {
	if sess == nil {
		return
	}
	if pc := sess.take(o.Ref); pc != nil {
		g.settleCall(&pc.tk, &pc.call, o.Outcome, endComplete, at)
	}
}

// endpointFinder watches the output of a GET stream for the first data
// line, which on a 2024-11-05 stream is the endpoint event's URI as the
// Stream rewrote it (mcp.Stream holds that event whole, so the line is
// never split across reads). The zero value looks for nothing.
type endpointFinder struct {
	looking   bool
	lineStart bool
	ws        string
	prefix    string // "/" + the upstream's name: where a rewritten URI starts
	tracker   *mcp.Tracker
}

// start prepares f for a GET stream of workspace ws on rt, opened at the
// upstream URI uri, and sets p's Endpoint and Tracker.
func (f *endpointFinder) start(ws string, rt *route, uri []byte, p *mcp.Pending) {
	*f = endpointFinder{looking: true, lineStart: true, ws: strings.Clone(ws), prefix: "/" + rt.name,
		tracker: new(mcp.Tracker)}
	p.Endpoint = mcp.Endpoint{Upstream: rt.baseURL, Stream: string(uri), Prefix: f.prefix}
	p.Tracker = f.tracker
}

// scan reads out, the next bytes sent, and reports done once the first data
// line was seen, with its value when it is a gateway path (a rewritten
// endpoint) and nil otherwise.
func (f *endpointFinder) scan(out []byte) (uri []byte, done bool) {
	for i := 0; i < len(out); i++ {
		c := out[i]
		if c == '\n' || c == '\r' {
			f.lineStart = true
			continue
		}
		if !f.lineStart {
			continue
		}
		f.lineStart = false
		if !hasPrefix(out[i:], "data:") {
			continue
		}
		f.looking = false
		v := out[i+len("data:"):]
		if len(v) > 0 && v[0] == ' ' {
			v = v[1:]
		}
		end := 0
		for end < len(v) && v[end] != '\n' && v[end] != '\r' {
			end++
		}
		v = v[:end]
		if hasPrefix(v, f.prefix) && (len(v) == len(f.prefix) || v[len(f.prefix)] == '/' || v[len(f.prefix)] == '?') {
			return v, true
		}
		return nil, true
	}
	return nil, false
}

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }
