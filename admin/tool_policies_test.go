package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/mcp"
	"github.com/tollgate-dev/tollgate/store"
)

// policyFixture is a workspace with an MCP upstream "tools", an LLM
// upstream "chat", a workspace key, and its owner's token.
type policyFixture struct {
	ws, owner, keyID, ownerTokenID string
	base                           string // /v1/workspaces/{ws}/tool-policies
}

func (e *env) policyFixture(name string) policyFixture {
	e.t.Helper()
	ow := e.owned(name)
	f := policyFixture{ws: ow.Workspace.ID, owner: ow.Token, ownerTokenID: ow.TokenID}
	f.base = "/v1/workspaces/" + f.ws + "/tool-policies"
	ups := "/v1/workspaces/" + f.ws + "/upstreams"
	e.must(http.StatusCreated, "POST", ups, map[string]any{"name": "tools", "base_url": "http://127.0.0.1:9/mcp", "kind": "mcp"}, nil)
	e.must(http.StatusCreated, "POST", ups, map[string]any{"name": "chat", "base_url": "http://127.0.0.1:9/v1", "kind": "llm"}, nil)
	var k keyResponse
	e.must(http.StatusCreated, "POST", "/v1/workspaces/"+f.ws+"/keys", map[string]any{"name": "bot"}, &k)
	f.keyID = k.Key.ID
	return f
}

// TestToolPolicyCRUDOnBothStores: the three scopes are set, replaced,
// listed in the store's order (also one upstream's), read back by the
// store the gateway reads, audited and deleted, on both backends.
func TestToolPolicyCRUDOnBothStores(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			f := e.policyFixture("policies")
			ctx := context.Background()
			_, rev0, err := e.backend.GetUpstream(ctx, f.ws, "tools")
			if err != nil {
				t.Fatal(err)
			}
			var v toolPolicyView
			e.as(f.owner, http.StatusOK, "PUT", f.base+"/tools", map[string]any{"allow": []string{"read_*", "list_?"}}, &v)
			if v.Upstream != "tools" || v.Scope != "workspace" || len(v.Allow) != 2 || v.Deny == nil || !v.UpdatedAt.Equal(testNow) {
				t.Fatalf("workspace policy %+v", v)
			}
			e.as(f.owner, http.StatusOK, "PUT", f.base+"/tools/roles/member", map[string]any{"deny": []string{"delete_*"}}, &v)
			if v.Scope != "role" || v.Role != "member" || v.Deny[0] != "delete_*" || len(v.Allow) != 0 {
				t.Fatalf("role policy %+v", v)
			}
			e.as(f.owner, http.StatusOK, "PUT", f.base+"/tools/keys/"+f.keyID, map[string]any{"allow": []string{"read_file"}}, &v)
			if v.Scope != "key" || v.KeyID != f.keyID {
				t.Fatalf("key policy %+v", v)
			}
			e.as(f.owner, http.StatusOK, "PUT", f.base+"/tools", map[string]any{"allow": []string{"*"}, "deny": []string{"exec"}}, nil)

			_, rev1, err := e.backend.GetUpstream(ctx, f.ws, "tools")
			if err != nil || rev1 <= rev0 {
				t.Fatalf("upstream revision %d after writes, %d before (%v): the gateway would not reload", rev1, rev0, err)
			}
			stored, err := e.backend.ToolPolicies(ctx, f.ws, "tools")
			if err != nil || len(stored) != 3 || stored[0].Scope != "" || stored[0].Deny[0] != "exec" || stored[1].Scope != "key:"+f.keyID {
				t.Fatalf("stored %+v (%v)", stored, err)
			}

			var list page[toolPolicyView]
			e.as(f.owner, http.StatusOK, "GET", f.base, nil, &list)
			if len(list.Items) != 3 || list.Items[0].Scope != "workspace" || list.Items[1].Scope != "key" || list.Items[2].Role != "member" {
				t.Fatalf("list %+v", list.Items)
			}
			e.as(f.owner, http.StatusOK, "GET", f.base+"?limit=2", nil, &list)
			if len(list.Items) != 2 || list.NextCursor == "" {
				t.Fatalf("page 1 %+v", list)
			}
			e.as(f.owner, http.StatusOK, "GET", f.base+"?limit=2&cursor="+list.NextCursor, nil, &list)
			if len(list.Items) != 1 || list.Items[0].Role != "member" {
				t.Fatalf("page 2 %+v", list)
			}
			e.as(f.owner, http.StatusOK, "GET", f.base+"?upstream=other", nil, &list)
			if len(list.Items) != 0 {
				t.Fatalf("another upstream's list %+v", list.Items)
			}

			e.as(f.owner, http.StatusNoContent, "DELETE", f.base+"/tools/roles/member", nil, nil)
			e.as(f.owner, http.StatusNoContent, "DELETE", f.base+"/tools/keys/"+f.keyID, nil, nil)
			e.as(f.owner, http.StatusNoContent, "DELETE", f.base+"/tools", nil, nil)
			e.mustFail(http.StatusNotFound, CodeNotFound, "DELETE", f.base+"/tools", nil, `tool policy tools not found`)
			e.mustFail(http.StatusNotFound, CodeNotFound, "DELETE", f.base+"/tools/roles/member", nil, `tool policy tools/role:member not found`)
			if stored, _ := e.backend.ToolPolicies(ctx, f.ws, ""); len(stored) != 0 {
				t.Fatalf("left after deletes: %+v", stored)
			}
			e.checkPolicyAudit(f)
		})
	}
}

// checkPolicyAudit requires the audit entries of the CRUD test's writes.
func (e *env) checkPolicyAudit(f policyFixture) {
	e.t.Helper()
	var audit page[auditView]
	e.as(f.owner, http.StatusOK, "GET", "/v1/workspaces/"+f.ws+"/audit?limit=500", nil, &audit)
	count := map[string]int{}
	for _, a := range audit.Items {
		if a.TargetKind == "tool_policy" {
			count[a.Action+" "+a.TargetID]++
			if a.Action == "tool_policy.put" && a.TargetID == "tools/role:member" && a.Detail != `allow [] deny ["delete_*"]` {
				e.t.Errorf("audit detail %q", a.Detail)
			}
		}
	}
	want := map[string]int{"tool_policy.put tools": 2, "tool_policy.put tools/role:member": 1, "tool_policy.put tools/key:" + f.keyID: 1,
		"tool_policy.delete tools": 1, "tool_policy.delete tools/role:member": 1, "tool_policy.delete tools/key:" + f.keyID: 1}
	for k, n := range want {
		if count[k] != n {
			e.t.Errorf("audit %q: %d entries, want %d (all: %v)", k, count[k], n, count)
		}
	}
}

// TestToolPolicyValidationNamesTheProblem: every refused write says which
// field, pattern, role, key or upstream is wrong, and nothing is stored.
func TestToolPolicyValidationNamesTheProblem(t *testing.T) {
	e := newEnv(t)
	f := e.policyFixture("validation")
	long := make([]string, MaxPolicyPatterns+1)
	for i := range long {
		long[i] = "t"
	}
	memberID, _ := e.memberOf(f.ws, "m@validation.test", "member")
	other := e.policyFixture("elsewhere")
	cases := []struct {
		name, path string
		body       any
		status     int
		code, msg  string
	}{
		{"bad glob", "/tools", map[string]any{"allow": []string{"ok", "read["}}, 400, CodeInvalidRequest, `allow[1]: bad glob "read["`},
		{"empty glob", "/tools", map[string]any{"deny": []string{""}}, 400, CodeInvalidRequest, "deny[0]: bad glob: empty pattern"},
		{"too many", "/tools", map[string]any{"deny": long}, 400, CodeInvalidRequest, "deny: at most 100 patterns, got 101"},
		{"unknown field", "/tools", map[string]any{"allowed": []string{"x"}}, 400, CodeUnknownField, `unknown field "allowed"`},
		{"wrong type", "/tools", map[string]any{"allow": "read_*"}, 400, CodeInvalidRequest, "allow: want an array"},
		{"no body", "/tools", nil, 400, CodeInvalidRequest, "a JSON request body is required"},
		{"reader role", "/tools/roles/reader", map[string]any{}, 400, CodeInvalidRequest, "readers cannot use the gateway"},
		{"unknown role", "/tools/roles/guest", map[string]any{}, 400, CodeInvalidRequest, `role: want owner, admin or member, got "guest"`},
		{"member token as key", "/tools/keys/" + f.ownerTokenID, map[string]any{}, 404, CodeNotFound, "a workspace key (wsk_) of this workspace"},
		{"member id as key", "/tools/keys/" + memberID, map[string]any{}, 404, CodeNotFound, "key"},
		{"key of another workspace", "/tools/keys/" + other.keyID, map[string]any{}, 404, CodeNotFound, "of this workspace"},
		{"llm upstream", "/chat", map[string]any{}, 422, CodeUnprocessable, `upstream "chat" is a llm upstream; tool policies apply to mcp upstreams`},
		{"unknown upstream", "/nosuch", map[string]any{}, 404, CodeNotFound, `upstream "nosuch" not found`},
		{"bad upstream name", "/No_Such", map[string]any{}, 400, CodeInvalidRequest, `upstream: "No_Such" must match`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			e.mustFail(c.status, c.code, "PUT", f.base+c.path, c.body, c.msg)
		})
	}
	e.t = t
	e.mustFail(400, CodeInvalidRequest, "GET", f.base+"?upstream=Bad!", nil, "upstream:")
	if stored, err := e.backend.ToolPolicies(context.Background(), f.ws, ""); err != nil || len(stored) != 0 {
		t.Fatalf("refused writes stored %+v (%v)", stored, err)
	}
}

// TestToolPolicyPatternsAgreeWithGateway: the API accepts a pattern exactly
// when mcp.ParsePolicy, the gateway's parser, does, so an accepted policy
// is never one the gateway would read as deny-all. (Invalid UTF-8 cannot
// arrive: JSON decoding turns it into U+FFFD.)
func TestToolPolicyPatternsAgreeWithGateway(t *testing.T) {
	e := newEnv(t)
	f := e.policyFixture("agree")
	for _, p := range []string{"read_*", "?", "*", "a b", "ünïcode_*", "x[", "x]", `x\y`, "", "tab\there",
		strings.Repeat("a", mcp.MaxGlob), strings.Repeat("a", mcp.MaxGlob+1)} {
		_, perr := mcp.ParsePolicy("t", []string{p}, nil)
		status, body := e.doAuth("PUT", f.base+"/tools", map[string]any{"allow": []string{p}}, "Bearer "+f.owner)
		if (perr == nil) != (status == http.StatusOK) {
			t.Errorf("pattern %q: API %d %s, mcp.ParsePolicy error %v", p, status, body, perr)
		}
	}
}

// TestToolPolicyOnPublicUpstream: the workspace's policies govern a public
// MCP upstream too, so a policy may name one the workspace does not own.
func TestToolPolicyOnPublicUpstream(t *testing.T) {
	e := newEnv(t)
	f := e.policyFixture("public")
	e.must(http.StatusCreated, "POST", "/v1/upstreams", map[string]any{"name": "shared-mcp", "base_url": "https://mcp.example.test/mcp", "kind": "mcp"}, nil)
	e.as(f.owner, http.StatusOK, "PUT", f.base+"/shared-mcp", map[string]any{"deny": []string{"admin_*"}}, nil)
	stored, err := e.backend.ToolPolicies(context.Background(), f.ws, "shared-mcp")
	if err != nil || len(stored) != 1 || stored[0].WorkspaceID != f.ws {
		t.Fatalf("stored %+v (%v)", stored, err)
	}
}

// TestMembersListToolPoliciesButNotKeyScopes: members and readers see the
// policies that govern them; a key's policy (and so its id) is listed only
// to those who may list keys.
func TestMembersListToolPoliciesButNotKeyScopes(t *testing.T) {
	e := newEnv(t)
	f := e.policyFixture("visibility")
	e.as(f.owner, http.StatusOK, "PUT", f.base+"/tools", map[string]any{"deny": []string{"x"}}, nil)
	e.as(f.owner, http.StatusOK, "PUT", f.base+"/tools/roles/member", map[string]any{"deny": []string{"y"}}, nil)
	e.as(f.owner, http.StatusOK, "PUT", f.base+"/tools/keys/"+f.keyID, map[string]any{"deny": []string{"z"}}, nil)
	_, memberTok := e.memberOf(f.ws, "m@visibility.test", store.RoleMember)
	_, readerTok := e.memberOf(f.ws, "r@visibility.test", store.RoleReader)
	_, adminTok := e.memberOf(f.ws, "a@visibility.test", store.RoleAdmin)
	for who, tc := range map[string]struct {
		tok  string
		want int
	}{"member": {memberTok, 2}, "reader": {readerTok, 2}, "admin": {adminTok, 3}, "owner": {f.owner, 3}} {
		var list page[toolPolicyView]
		b := e.as(tc.tok, http.StatusOK, "GET", f.base, nil, &list)
		if len(list.Items) != tc.want || (tc.want == 2 && strings.Contains(string(b), f.keyID)) {
			t.Errorf("%s lists %s", who, b)
		}
	}
	e.as(memberTok, http.StatusForbidden, "PUT", f.base+"/tools", map[string]any{}, nil)
}

// TestToolPoliciesStayInTheirWorkspace: another workspace's owner neither
// reads nor writes this workspace's policies (404, never 403), and a
// policy is listed only in its own workspace.
func TestToolPoliciesStayInTheirWorkspace(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			a, b := e.policyFixture("alpha"), e.policyFixture("beta")
			e.as(a.owner, http.StatusOK, "PUT", a.base+"/tools", map[string]any{"deny": []string{"secret_*"}}, nil)
			e.as(b.owner, http.StatusNotFound, "GET", a.base, nil, nil)
			e.as(b.owner, http.StatusNotFound, "PUT", a.base+"/tools", map[string]any{}, nil)
			e.as(b.owner, http.StatusNotFound, "DELETE", a.base+"/tools", nil, nil)
			var list page[toolPolicyView]
			e.as(b.owner, http.StatusOK, "GET", b.base, nil, &list)
			if len(list.Items) != 0 {
				t.Fatalf("beta lists alpha's policy: %+v", list.Items)
			}
			e.mustFail(http.StatusNotFound, CodeNotFound, "DELETE", b.base+"/tools", nil, "not found")
			if got, _ := e.backend.ToolPolicies(context.Background(), a.ws, ""); len(got) != 1 {
				t.Fatalf("alpha's policy after beta's delete: %+v", got)
			}
		})
	}
}

// TestToolPolicyResponsesMatchOpenAPI: the policy and list responses decode
// against the schemas the document gives them.
func TestToolPolicyResponsesMatchOpenAPI(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	f := e.policyFixture("openapi")
	const ws = "/v1/workspaces/{ws}/tool-policies"
	for _, c := range []struct{ method, pattern, path string }{
		{"PUT", ws + "/{name}", "/tools"},
		{"PUT", ws + "/{name}/roles/{role}", "/tools/roles/admin"},
		{"PUT", ws + "/{name}/keys/{id}", "/tools/keys/" + f.keyID},
		{"GET", ws, ""},
	} {
		var v any
		e.as(f.owner, http.StatusOK, c.method, f.base+c.path, map[string]any{"allow": []string{"a*"}}, &v)
		for _, b := range conforms(doc, schemaOf(t, doc, c.method, c.pattern, http.StatusOK), v, "body") {
			t.Errorf("%s %s: %s", c.method, c.pattern, b)
		}
	}
}
