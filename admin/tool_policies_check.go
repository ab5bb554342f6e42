package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/tollgate-dev/tollgate/mcp"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// MaxPolicyPatterns is how many patterns a tool policy's allow list, and
// its deny list, may hold each.
const MaxPolicyPatterns = 100

// maxPolicyDetail bounds the audit detail of a policy write, in bytes.
const maxPolicyDetail = 1024

// checkPatterns validates one list of a policy: at most MaxPolicyPatterns,
// each parsed by mcp.ParsePolicy, the parser the gateway uses, so the admin
// API accepts exactly what the gateway enforces. The message names the
// list, the index and the pattern.
func checkPatterns(field string, patterns []string) error {
	if len(patterns) > MaxPolicyPatterns {
		return errInvalid("%s: at most %d patterns, got %d", field, MaxPolicyPatterns, len(patterns))
	}
	for i, p := range patterns {
		if _, err := mcp.ParsePolicy(field, []string{p}, nil); err != nil {
			msg := err.Error()
			if inner := errors.Unwrap(err); inner != nil {
				msg = inner.Error() // without ParsePolicy's "policy <name>:" prefix
			}
			return errInvalid("%s[%d]: %s", field, i, strings.TrimPrefix(msg, "mcp: "))
		}
	}
	return nil
}

// checkPolicyUpstream requires name to be an MCP upstream the workspace
// reaches: its own, or a public one (the workspace's policies govern
// public upstreams too). Another workspace's upstream is not found.
func (a *api) checkPolicyUpstream(r *http.Request, ws, name string) error {
	if err := checkUpstreamName("upstream", name); err != nil {
		return err
	}
	u, _, err := a.store.GetUpstream(r.Context(), ws, name)
	if errors.Is(err, store.ErrNotFound) {
		u, _, err = a.store.GetUpstream(r.Context(), store.PublicWorkspace, name)
	}
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("upstream %q not found: a tool policy needs an MCP upstream of this workspace or a public one", name)
	}
	if err != nil {
		return err
	}
	if u.Kind != store.KindMCP {
		return errUnprocessable("upstream %q is a %s upstream; tool policies apply to mcp upstreams", name, u.Kind)
	}
	return nil
}

// checkPolicyScope returns the store scope of the path of a PUT: the role
// must be one that uses the gateway (readers do not, so a policy for them
// would never apply) and the key a workspace key of workspace ws.
func (a *api) checkPolicyScope(r *http.Request, ws string, kind policyScope) (string, error) {
	switch kind {
	case scopeRole:
		role := r.PathValue("role")
		if role == store.RoleReader {
			return "", errInvalid("role: readers cannot use the gateway, so a tool policy for them would never apply; want owner, admin or member")
		}
		if !roleAllowed(role, PermUseGateway) {
			return "", errInvalid("role: want owner, admin or member, got %q", clip(role))
		}
	case scopeKey:
		id := r.PathValue("id")
		t, err := a.store.GetToken(r.Context(), ws, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
		if err != nil || t.Kind != token.Key {
			return "", errNotFound("key %q not found: a tool policy narrows a workspace key (wsk_) of this workspace", clip(id))
		}
	}
	return policyScopeOf(r, kind), nil
}

// policyScopeOf returns the store scope the path names, unchecked.
func policyScopeOf(r *http.Request, kind policyScope) string {
	switch kind {
	case scopeRole:
		return store.PolicyRolePrefix + r.PathValue("role")
	case scopeKey:
		return store.PolicyKeyPrefix + r.PathValue("id")
	}
	return store.PolicyAll
}

// policyDetail is the audit detail of a policy write: its patterns, cut
// at maxPolicyDetail bytes on a character boundary.
func policyDetail(allow, deny []string) string {
	s := fmt.Sprintf("allow %q deny %q", allow, deny)
	if len(s) <= maxPolicyDetail {
		return s
	}
	cut := maxPolicyDetail
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
