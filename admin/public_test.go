package admin

import (
	"net/http"
	"testing"

	"github.com/tollgate-dev/tollgate/store"
)

// TestPublicUpstreams: the operator manages public upstreams under
// /v1/upstreams (credential write-only); every role of every workspace sees
// them marked public in its upstream list, a private one of the same name
// shadows it there; members cannot manage them; the public workspace stays
// out of workspace listings and paths.
func TestPublicUpstreams(t *testing.T) {
	e := newEnv(t)
	const cred = "sk-public-DO-NOT-LEAK"
	var u upstreamView
	e.must(http.StatusCreated, "POST", "/v1/upstreams", map[string]any{"name": "openai",
		"base_url": "https://api.openai.com/v1", "kind": "llm", "credential": cred}, &u)
	if !u.Public || !u.HasCredential || u.WorkspaceID != store.PublicWorkspace {
		t.Fatalf("view %+v: want a public upstream with a credential", u)
	}
	e.must(http.StatusCreated, "POST", "/v1/upstreams", map[string]any{"name": "mcp", "base_url": "http://127.0.0.1:9/mcp", "kind": "mcp"}, nil)
	e.mustFail(http.StatusConflict, CodeConflict, "POST", "/v1/upstreams", map[string]any{"name": "openai",
		"base_url": "https://x.io", "kind": "llm"}, "already exists")
	e.must(http.StatusOK, "PUT", "/v1/upstreams/openai", map[string]any{"base_url": "https://eu.api.openai.com/v1", "kind": "llm"}, &u)
	if !u.HasCredential {
		t.Fatalf("PUT without a credential dropped it: %+v", u)
	}
	var list page[upstreamView]
	e.must(http.StatusOK, "GET", "/v1/upstreams", nil, &list)
	if len(list.Items) != 2 {
		t.Fatalf("public list %+v", list)
	}

	own := e.owned("acme")
	ws := own.Workspace.ID
	base := "/v1/workspaces/" + ws + "/upstreams"
	e.must(http.StatusCreated, "POST", base, map[string]any{"name": "mcp", "base_url": "http://127.0.0.1:8/mcp", "kind": "mcp"}, nil)
	code, body := e.doAuth("GET", base, nil, "Bearer "+own.Token)
	if code != http.StatusOK {
		t.Fatalf("owner lists upstreams: %d %s", code, body)
	}
	e.must(http.StatusOK, "GET", base, nil, &list)
	if len(list.Items) != 2 || list.Items[0].Name != "mcp" || list.Items[0].Public ||
		list.Items[1].Name != "openai" || !list.Items[1].Public {
		t.Fatalf("workspace list %+v: want its own mcp and the public openai", list.Items)
	}
	for _, c := range []struct{ method, path string }{{"POST", "/v1/upstreams"}, {"GET", "/v1/upstreams"},
		{"PUT", "/v1/upstreams/openai"}, {"DELETE", "/v1/upstreams/openai"}} {
		code, _ := e.doAuth(c.method, c.path, map[string]any{"name": "x", "base_url": "https://x.io", "kind": "llm"}, "Bearer "+own.Token)
		if code != http.StatusForbidden {
			t.Fatalf("owner %s %s: %d, want 403", c.method, c.path, code)
		}
	}
	var wss page[workspaceView]
	e.must(http.StatusOK, "GET", "/v1/workspaces", nil, &wss)
	for _, w := range wss.Items {
		if w.ID == store.PublicWorkspace {
			t.Fatal("the public workspace is listed")
		}
	}
	e.mustFail(http.StatusNotFound, CodeNotFound, "GET", "/v1/workspaces/"+store.PublicWorkspace+"/upstreams", nil)
	e.must(http.StatusNoContent, "DELETE", "/v1/upstreams/openai", nil, nil)
	e.mustFail(http.StatusNotFound, CodeNotFound, "GET", "/v1/upstreams/openai", nil, "openai")
	if leaks := e.responsesContaining(cred); len(leaks) > 0 {
		t.Fatalf("credential returned by %s %s", leaks[0].method, leaks[0].path)
	}
}
