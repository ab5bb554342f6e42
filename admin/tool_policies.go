package admin

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// Tool policies allow or deny MCP tools by name on one upstream of a
// workspace (SPEC.md §4): one for the whole workspace, narrowed by one per
// role or per workspace key. Owners and admins write them
// (manage_tool_policies); whoever may view upstreams lists them, except
// that key-scoped ones are listed only to holders of manage_keys, who alone
// may list keys.

// toolPolicyRequest is the body of PUT …/tool-policies/{name}[/roles/{role}
// | /keys/{id}]: glob patterns of tool names ('*' any run, '?' one
// character). Deny wins; an empty allow allows every tool not denied.
type toolPolicyRequest struct {
	Allow []string `json:"allow"`
	Deny  []string `json:"deny"`
}

// toolPolicyView is a policy as the API shows it: Scope is "workspace",
// "role" (with Role) or "key" (with KeyID). Allow and Deny are never null.
type toolPolicyView struct {
	Upstream  string    `json:"upstream"`
	Scope     string    `json:"scope"`
	Role      string    `json:"role,omitempty"`
	KeyID     string    `json:"key_id,omitempty"`
	Allow     []string  `json:"allow"`
	Deny      []string  `json:"deny"`
	UpdatedAt time.Time `json:"updated_at"`
}

func viewToolPolicy(p *store.ToolPolicy) toolPolicyView {
	v := toolPolicyView{Upstream: p.Upstream, Scope: "workspace", Allow: p.Allow, Deny: p.Deny, UpdatedAt: p.UpdatedAt}
	if role, ok := strings.CutPrefix(p.Scope, store.PolicyRolePrefix); ok {
		v.Scope, v.Role = "role", role
	} else if id, ok := strings.CutPrefix(p.Scope, store.PolicyKeyPrefix); ok {
		v.Scope, v.KeyID = "key", id
	}
	if v.Allow == nil {
		v.Allow = []string{}
	}
	if v.Deny == nil {
		v.Deny = []string{}
	}
	return v
}

// policyScope says which of the three route families a handler serves.
type policyScope int

const (
	scopeWorkspace policyScope = iota // …/tool-policies/{name}
	scopeRole                         // …/tool-policies/{name}/roles/{role}
	scopeKey                          // …/tool-policies/{name}/keys/{id}
)

func (a *api) putWorkspaceToolPolicy(w http.ResponseWriter, r *http.Request) error {
	return a.putToolPolicy(w, r, scopeWorkspace)
}

func (a *api) putRoleToolPolicy(w http.ResponseWriter, r *http.Request) error {
	return a.putToolPolicy(w, r, scopeRole)
}

func (a *api) putKeyToolPolicy(w http.ResponseWriter, r *http.Request) error {
	return a.putToolPolicy(w, r, scopeKey)
}

func (a *api) deleteWorkspaceToolPolicy(w http.ResponseWriter, r *http.Request) error {
	return a.deleteToolPolicy(w, r, scopeWorkspace)
}

func (a *api) deleteRoleToolPolicy(w http.ResponseWriter, r *http.Request) error {
	return a.deleteToolPolicy(w, r, scopeRole)
}

func (a *api) deleteKeyToolPolicy(w http.ResponseWriter, r *http.Request) error {
	return a.deleteToolPolicy(w, r, scopeKey)
}

// putToolPolicy creates or replaces the policy of the path's upstream and
// scope. The upstream must be an MCP upstream the workspace can reach (its
// own or a public one), the role one that uses the gateway, the key a
// workspace key of this workspace; every pattern must parse as the gateway
// parses it.
func (a *api) putToolPolicy(w http.ResponseWriter, r *http.Request, kind policyScope) error {
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	if err := a.checkPolicyUpstream(r, ws, name); err != nil {
		return err
	}
	scope, err := a.checkPolicyScope(r, ws, kind)
	if err != nil {
		return err
	}
	var req toolPolicyRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if err := firstErr(checkPatterns("allow", req.Allow), checkPatterns("deny", req.Deny)); err != nil {
		return err
	}
	p := &store.ToolPolicy{WorkspaceID: ws, Upstream: name, Scope: scope,
		Allow: nonEmpty(req.Allow), Deny: nonEmpty(req.Deny), UpdatedAt: a.now().UTC()}
	if err := a.store.PutToolPolicy(r.Context(), p); err != nil {
		return notFound(err, "workspace", ws)
	}
	c := callerOf(r)
	c.target("tool_policy", policyTarget(name, scope))
	c.audit.detail = policyDetail(req.Allow, req.Deny)
	a.log.Info("admin: tool policy set", "workspace", ws, "upstream", name, "scope", scope)
	return writeJSON(w, http.StatusOK, viewToolPolicy(p))
}

// deleteToolPolicy removes the policy of the path's upstream and scope; it
// needs neither the upstream nor the key to exist any more, so a policy
// left behind by a deleted upstream can be cleaned up.
func (a *api) deleteToolPolicy(w http.ResponseWriter, r *http.Request, kind policyScope) error {
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	scope := policyScopeOf(r, kind)
	what := "tool policy " + policyTarget(name, scope)
	if !upstreamName.MatchString(name) {
		return errNotFound("%s not found", what)
	}
	err = a.store.DeleteToolPolicy(r.Context(), ws, name, scope)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("%s not found", what)
	}
	if err != nil {
		return err
	}
	callerOf(r).target("tool_policy", policyTarget(name, scope))
	a.log.Info("admin: tool policy deleted", "workspace", ws, "upstream", name, "scope", scope)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listToolPolicies lists the workspace's policies, of one upstream with
// ?upstream=, ordered by upstream then scope. Key-scoped policies are left
// out for a caller without manage_keys.
func (a *api) listToolPolicies(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	upstream := r.URL.Query().Get("upstream")
	if upstream != "" {
		if err := checkUpstreamName("upstream", upstream); err != nil {
			return err
		}
	}
	all, err := a.store.ToolPolicies(r.Context(), ws, upstream)
	if err != nil {
		return notFound(err, "workspace", ws)
	}
	var keep func(*store.ToolPolicy) bool
	if !allowed(callerOf(r), PermManageKeys) {
		keep = func(p *store.ToolPolicy) bool { return !strings.HasPrefix(p.Scope, store.PolicyKeyPrefix) }
	}
	// A space sorts before every character of an upstream name, so the key
	// keeps the store's order: by upstream, then scope.
	key := func(p *store.ToolPolicy) string { return p.Upstream + " " + p.Scope }
	return listResponse(w, r, all, keep, key, viewToolPolicy)
}

// policyTarget names a policy in audit entries and messages: the upstream,
// then "/" and the scope unless it is the workspace's.
func policyTarget(upstream, scope string) string {
	if scope == store.PolicyAll {
		return upstream
	}
	return upstream + "/" + scope
}

func nonEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
