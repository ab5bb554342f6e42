package embedded

import (
	"slices"
	"sync"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// wsState is one workspace in memory. mu guards every field below it and is
// held by Admit for a whole decision; write serialises admin writes across
// their bbolt commit (see the package doc).
type wsState struct {
	write sync.Mutex

	mu          sync.Mutex
	rec         store.Workspace
	upstreamRev int64
	members     map[string]*memberState
	tokens      map[string]*tokenState     // by token id
	byHash      map[token.Hash]*tokenState // by token hash, for Admit
	upstreams   map[string]*store.Upstream // by name
	counter     limiter.Counter            // ScopeWorkspace
}

// memberState is a member and its ScopeMember counter, which is shared by
// every token of the member so that rotation does not reset it.
type memberState struct {
	rec     store.Member
	counter limiter.Counter
}

// tokenState is a token and, for workspace keys, its ScopeKey counter.
type tokenState struct {
	rec     store.Token
	counter limiter.Counter
}

func newWSState(w store.Workspace) *wsState {
	return &wsState{
		rec:       w,
		members:   make(map[string]*memberState),
		tokens:    make(map[string]*tokenState),
		byHash:    make(map[token.Hash]*tokenState),
		upstreams: make(map[string]*store.Upstream),
	}
}

// addToken indexes t by id and hash. The caller holds mu or owns ws.
func (ws *wsState) addToken(t store.Token) {
	ts := &tokenState{rec: t}
	ws.tokens[t.ID] = ts
	ws.byHash[t.Hash] = ts
}

// cloneToken returns t with its own Upstreams slice, so neither the caller
// nor the store can change the other's copy.
func cloneToken(t store.Token) store.Token {
	t.Upstreams = slices.Clone(t.Upstreams)
	return t
}

// cloneUpstream returns a copy of *u.
func cloneUpstream(u *store.Upstream) *store.Upstream {
	c := *u
	return &c
}
