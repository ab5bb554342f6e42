package admin

import (
	"net/http"
	"strings"
	"testing"
)

// foreign is a second workspace's ids: a member, a key, an invitation and an
// upstream that exists only there.
type foreign struct{ ws, member, key, invitation, upstream string }

func (e *env) foreignWorkspace() foreign {
	e.t.Helper()
	ow := e.owned("foreign")
	f := foreign{ws: ow.Workspace.ID, member: ow.Owner.ID, upstream: "only-there"}
	base := "/v1/workspaces/" + f.ws
	var k keyResponse
	e.must(http.StatusCreated, "POST", base+"/keys", map[string]any{"name": "k"}, &k)
	f.key = k.Key.ID
	var inv invitationResponse
	e.must(http.StatusCreated, "POST", base+"/invitations", map[string]any{"email": "x@foreign.test", "role": "member"}, &inv)
	f.invitation = inv.Invitation.ID
	e.must(http.StatusCreated, "POST", base+"/upstreams",
		map[string]any{"name": f.upstream, "base_url": "https://up.test", "kind": "llm", "credential": "sk-foreign"}, nil)
	return f
}

// TestForeignIDsAre404: a member token never reaches another workspace (every
// route answers 404 there), and ids of another workspace are not found
// through one's own, for members and the operator alike: never 403, never data.
func TestForeignIDsAre404(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			f := e.foreignWorkspace()
			own := e.owned("own")
			for _, rt := range (&api{}).routes() {
				if rt.public || !strings.Contains(rt.pattern, "{ws}") {
					continue
				}
				for _, id := range []string{f.member, f.key, f.invitation} {
					path := fill(rt.pattern, f.ws, id, f.upstream)
					if status, body := e.doAuth(rt.method, path, "{}", "Bearer "+own.Token); status != http.StatusNotFound {
						t.Errorf("owner of another workspace on %s %s: %d %s", rt.method, path, status, body)
					}
					if !strings.Contains(rt.pattern, "{id}") && !strings.Contains(rt.pattern, "{name}") {
						continue
					}
					path = fill(rt.pattern, own.Workspace.ID, id, f.upstream)
					for who, tok := range map[string]string{"owner": own.Token, "operator": e.op} {
						if status, body := e.doAuth(rt.method, path, "{}", "Bearer "+tok); status != http.StatusNotFound {
							t.Errorf("%s with a foreign id on %s %s: %d %s", who, rt.method, path, status, body)
						}
					}
				}
			}
			// Moving an upstream into a workspace the caller is not in: not found.
			e.must(http.StatusCreated, "POST", "/v1/workspaces/"+own.Workspace.ID+"/upstreams",
				map[string]any{"name": "mine", "base_url": "https://up.test", "kind": "llm"}, nil)
			status, body := e.doAuth("POST", "/v1/workspaces/"+own.Workspace.ID+"/upstreams/mine:transfer",
				map[string]any{"to_workspace": f.ws}, "Bearer "+own.Token)
			if status != http.StatusNotFound {
				t.Errorf("transfer into a foreign workspace: %d %s", status, body)
			}
			for _, x := range e.responsesContaining("sk-foreign") {
				t.Errorf("%s %s returned an upstream credential", x.method, x.path)
			}
		})
	}
}
