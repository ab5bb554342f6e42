package embedded

import (
	"fmt"
	"maps"
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
	tokens      map[string]*tokenState       // by token id
	byHash      map[token.Hash]*tokenState   // by token hash, for Admit
	upstreams   map[string]*store.Upstream   // by name
	invitations map[string]*store.Invitation // by id
	policies    map[string]*store.ToolPolicy // by policyKey; nil until the first (see tools.go)
	counter     limiter.Counter              // ScopeWorkspace
	money       moneyState                   // balance, holds, caps, ScopeWorkspaceTokens (see money.go)
	deleted     bool                         // DeleteWorkspace ran; writes through a stale pointer fail
}

// memberState is a member and its ScopeMember counter, which is shared by
// every token of the member so that rotation does not reset it.
type memberState struct {
	rec     store.Member
	counter limiter.Counter
	tpm     limiter.Counter // ScopeMemberTokens, shared by the member's tokens
	dirty   bool            // rec.LastActive is newer in memory than on disk (see activity.go)
}

// tokenState is a token and, for workspace keys, its ScopeKey and
// ScopeKeyTokens counters, and its ScopeKeyModel and ScopeKeyModelTokens
// counters by model (one per rec.ModelRPM entry and per rec.ModelLimits
// entry with a TPM, made when the token is indexed so that Admit does not
// allocate).
type tokenState struct {
	rec      store.Token
	counter  limiter.Counter
	tpm      limiter.Counter
	models   map[string]*limiter.Counter
	modelTPM map[string]*limiter.Counter
	dirty    bool // rec.LastUsed is newer in memory than on disk (see activity.go)
}

func newWSState(w store.Workspace) *wsState {
	return &wsState{
		rec:         w,
		members:     make(map[string]*memberState),
		tokens:      make(map[string]*tokenState),
		byHash:      make(map[token.Hash]*tokenState),
		upstreams:   make(map[string]*store.Upstream),
		invitations: make(map[string]*store.Invitation),
		money:       newMoneyState(),
	}
}

// addToken indexes t by id and hash. The caller holds mu or owns ws.
func (ws *wsState) addToken(t store.Token) {
	ts := &tokenState{rec: t}
	ts.makeCounters()
	ws.tokens[t.ID] = ts
	ws.byHash[t.Hash] = ts
}

// makeCounters makes the per-model counters that ts.rec's limits need and
// that ts does not have yet, keeping the ones it has.
func (ts *tokenState) makeCounters() {
	for m := range ts.rec.ModelRPM {
		if ts.models[m] == nil {
			if ts.models == nil {
				ts.models = make(map[string]*limiter.Counter, len(ts.rec.ModelRPM))
			}
			ts.models[m] = new(limiter.Counter)
		}
	}
	for m, l := range ts.rec.ModelLimits {
		if l.TPM > 0 && ts.modelTPM[m] == nil {
			if ts.modelTPM == nil {
				ts.modelTPM = make(map[string]*limiter.Counter, len(ts.rec.ModelLimits))
			}
			ts.modelTPM[m] = new(limiter.Counter)
		}
	}
}

// cloneToken returns t with its own Upstreams slice and ModelRPM and
// ModelLimits maps, so neither the caller nor the store can change the
// other's copy.
func cloneToken(t store.Token) store.Token {
	t.Upstreams = slices.Clone(t.Upstreams)
	t.ModelRPM = maps.Clone(t.ModelRPM)
	t.ModelLimits = maps.Clone(t.ModelLimits)
	return t
}

// cloneUpstream returns a copy of *u.
func cloneUpstream(u *store.Upstream) *store.Upstream {
	c := *u
	return &c
}

// lockWrite takes ws.write for an admin write of workspace id. It fails with
// store.ErrNotFound, holding nothing, when the workspace was deleted after
// the caller found it.
func (ws *wsState) lockWrite(id string) error {
	ws.write.Lock()
	if ws.deleted {
		ws.write.Unlock()
		return fmt.Errorf("embedded: workspace %q: %w", id, store.ErrNotFound)
	}
	return nil
}
