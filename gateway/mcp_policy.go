package gateway

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/mcp"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// PolicyReader reads the MCP tool policies of a workspace's upstream;
// store.Tools satisfies it.
type PolicyReader interface {
	ToolPolicies(ctx context.Context, workspace, upstream string) ([]store.ToolPolicy, error)
}

var (
	_ PolicyReader = store.Store(nil)
	_ TokenWatch   = store.Store(nil)
)

// policySet is the parsed form of one workspace × upstream's tool policies
// at one upstream revision, with every narrowing precomputed so that the
// request path only looks one up: base is the workspace policy (scope "");
// roles and keys map a role or a key's token id to base narrowed by that
// scope's policy. Immutable once built.
type policySet struct {
	rev   int64
	base  *mcp.Policy
	roles map[string]*mcp.Policy
	keys  map[string]*mcp.Policy
}

// forCaller returns the policy that applies to the caller of decision d:
// a member's role, a key's own, else the workspace's (nil allows all).
func (ps *policySet) forCaller(d *limiter.Decision) *mcp.Policy {
	if ps == nil {
		return nil
	}
	if d.TokenKind == token.Key {
		if p, ok := ps.keys[d.TokenID]; ok {
			return p
		}
		return ps.base
	}
	if p, ok := ps.roles[d.Role]; ok {
		return p
	}
	return ps.base
}

// policyCache holds the policySet of each (workspace, upstream) pair seen,
// keyed like the route cache. Entries are replaced, never mutated.
type policyCache struct {
	mu sync.RWMutex
	m  map[string]*policySet
}

// policyFor returns the tool policy of the request in st on upstream name:
// the caller's workspace's policies at the decision's upstream revision (a
// policy write bumps it), narrowed for the caller. A public upstream is
// governed by the caller's workspace's policies too. Without a
// PolicyReader every tool is allowed. In the steady state it is a map
// lookup that does not allocate.
func (g *Gateway) policyFor(st *state, name []byte) (*mcp.Policy, error) {
	if g.polStore == nil {
		return nil, nil
	}
	d := &st.dec
	rev := d.UpstreamRev
	if d.Degraded {
		rev = -1 // whatever is cached; the store is down
	}
	ps, err := g.policySet(context.Background(), st.req.Workspace, name, rev)
	if err != nil {
		return nil, err
	}
	return ps.forCaller(d), nil
}

// policySet returns the policies of (ws, name) at revision rev or newer,
// reading the store only when the cached set is older.
func (g *Gateway) policySet(ctx context.Context, ws string, name []byte, rev int64) (*policySet, error) {
	var kb [96]byte
	key := append(append(append(kb[:0], ws...), '/'), name...)
	c := &g.policies
	c.mu.RLock()
	old := c.m[string(key)]
	c.mu.RUnlock()
	if old != nil && old.rev >= rev {
		return old, nil
	}
	start := time.Now()
	list, err := g.polStore.ToolPolicies(ctx, ws, string(name))
	g.met.ObserveStore("tool_policies", time.Since(start), err)
	if err != nil {
		return nil, err
	}
	ps := g.parsePolicies(list, max(rev, 0))
	c.mu.Lock()
	if cur := c.m[string(key)]; cur == nil || cur.rev < ps.rev {
		c.m[string(key)] = ps
	}
	c.mu.Unlock()
	return ps, nil
}

// parsePolicies builds the policySet of list at revision rev. A policy
// whose patterns do not parse (the admin API validates them, so only a
// store written by other means has one) denies every tool under its name,
// marked invalid: failing closed is the safe reading of a rule we cannot
// read.
func (g *Gateway) parsePolicies(list []store.ToolPolicy, rev int64) *policySet {
	ps := &policySet{rev: rev}
	parsed := make(map[string]*mcp.Policy, len(list))
	for i := range list {
		p := &list[i]
		name := policyName(p)
		pol, err := mcp.ParsePolicy(name, p.Allow, p.Deny)
		if err != nil {
			g.log.Error("gateway: tool policy does not parse; it denies every tool", "workspace", p.WorkspaceID,
				"upstream", p.Upstream, "scope", p.Scope, "err", err)
			pol, _ = mcp.ParsePolicy(name+" (invalid)", nil, []string{"*"})
		}
		parsed[p.Scope] = pol
	}
	ps.base = parsed[store.PolicyAll]
	for scope, pol := range parsed {
		switch {
		case strings.HasPrefix(scope, store.PolicyRolePrefix):
			if ps.roles == nil {
				ps.roles = make(map[string]*mcp.Policy)
			}
			ps.roles[scope[len(store.PolicyRolePrefix):]] = mcp.Narrow(ps.base, pol)
		case strings.HasPrefix(scope, store.PolicyKeyPrefix):
			if ps.keys == nil {
				ps.keys = make(map[string]*mcp.Policy)
			}
			ps.keys[scope[len(store.PolicyKeyPrefix):]] = mcp.Narrow(ps.base, pol)
		}
	}
	return ps
}

// policyName is the label a denial quotes: the upstream and the scope,
// such as "github (workspace)" or "github (role:member)".
func policyName(p *store.ToolPolicy) string {
	scope := p.Scope
	if scope == store.PolicyAll {
		scope = "workspace"
	}
	return p.Upstream + " (" + scope + ")"
}
