package admin

import (
	"net/http"
	"strings"
	"testing"
)

// fill puts concrete values into a route pattern: ws for {ws}, id for {id},
// name for {name}; a custom method stays as it is.
func fill(pattern, ws, id, name string) string {
	p := strings.ReplaceAll(pattern, "{ws}", ws)
	p = strings.ReplaceAll(p, "{id}", id)
	return strings.ReplaceAll(p, "{name}", name)
}

// callerAs creates a fresh workspace and returns it with a token of the
// given role ("operator" returns the operator token) and that member's id.
func (e *env) callerAs(role string) (ws, tok, memberID string) {
	e.t.Helper()
	ow := e.owned("matrix " + role)
	switch role {
	case "operator":
		return ow.Workspace.ID, e.op, ow.Owner.ID
	case "owner":
		return ow.Workspace.ID, ow.Token, ow.Owner.ID
	}
	var m memberTokenResponse
	e.must(http.StatusCreated, "POST", "/v1/workspaces/"+ow.Workspace.ID+"/members",
		map[string]any{"email": role + "@matrix.test", "role": role}, &m)
	return ow.Workspace.ID, m.Token, m.Member.ID
}

// TestRoleMatrixMatchesPermissionTable: every route × every role answers 403
// exactly when the permission table denies that role the route's permission.
func TestRoleMatrixMatchesPermissionTable(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			for _, role := range []string{"operator", "owner", "admin", "member", "reader"} {
				for _, rt := range (&api{}).routes() {
					if rt.public {
						continue
					}
					ws, tok, self := e.callerAs(role)
					path := fill(rt.pattern, ws, self, "nosuch")
					status, body := e.doAuth(rt.method, path, "{}", "Bearer "+tok)
					want := role == "operator" || roleAllowed(role, rt.perm)
					switch {
					case status == http.StatusUnauthorized:
						t.Errorf("%s on %s %s: 401: %s", role, rt.method, rt.pattern, body)
					case want && status == http.StatusForbidden:
						t.Errorf("%s on %s %s: 403, but the table grants %s: %s", role, rt.method, rt.pattern, rt.perm, body)
					case !want && status != http.StatusForbidden:
						t.Errorf("%s on %s %s: %d, but the table denies %s: %s", role, rt.method, rt.pattern, status, rt.perm, body)
					}
				}
			}
		})
	}
}
