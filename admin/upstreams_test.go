package admin

import (
	"context"
	"net/http"
	"testing"
)

// TestUpstreamCRUDNeverReturnsCredential: the credential is write-only, and a
// PUT without one keeps the stored credential.
func TestUpstreamCRUDNeverReturnsCredential(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("u")
	base := "/v1/workspaces/" + ws + "/upstreams"
	const cred = "sk-live-DO-NOT-LEAK"
	var u upstreamView
	e.must(http.StatusCreated, "POST", base, map[string]any{"name": "openai", "base_url": "https://api.openai.com/v1",
		"kind": "llm", "credential": cred, "auth_header": "Authorization", "auth_scheme": "Bearer"}, &u)
	if !u.HasCredential || u.Kind != "llm" || u.BaseURL != "https://api.openai.com/v1" {
		t.Fatalf("view %+v", u)
	}
	e.mustFail(http.StatusConflict, CodeConflict, "POST", base, map[string]any{"name": "openai",
		"base_url": "https://x.io", "kind": "llm"}, "already exists")
	e.must(http.StatusOK, "PUT", base+"/openai", map[string]any{"base_url": "https://eu.api.openai.com/v1", "kind": "llm"}, &u)
	stored, _, err := e.store.GetUpstream(context.Background(), ws, "openai")
	if err != nil || stored.Credential != cred || stored.BaseURL != "https://eu.api.openai.com/v1" {
		t.Fatalf("PUT lost the credential or the URL: %v", err)
	}
	e.must(http.StatusCreated, "POST", base, map[string]any{"name": "mcp-github", "base_url": "http://127.0.0.1:9/mcp", "kind": "mcp"}, nil)
	var list page[upstreamView]
	e.must(http.StatusOK, "GET", base+"?limit=1", nil, &list)
	if len(list.Items) != 1 || list.Items[0].Name != "mcp-github" || list.NextCursor == "" {
		t.Fatalf("page 1 %+v", list)
	}
	e.must(http.StatusOK, "GET", base+"/openai", nil, &u)
	e.must(http.StatusNoContent, "DELETE", base+"/openai", nil, nil)
	e.mustFail(http.StatusNotFound, CodeNotFound, "GET", base+"/openai", nil, `upstream "openai"`)
	e.mustFail(http.StatusNotFound, CodeNotFound, "PUT", base+"/openai", map[string]any{"base_url": "https://x.io", "kind": "llm"}, "openai")
	e.mustFail(http.StatusNotFound, CodeNotFound, "DELETE", base+"/openai", nil, "openai")
	if leaks := e.responsesContaining(cred); len(leaks) > 0 {
		t.Fatalf("credential returned by %s %s", leaks[0].method, leaks[0].path)
	}
}
