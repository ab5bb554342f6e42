package admin

import (
	"net/http"
	"testing"
)

// TestSecretsAppearOnlyInTheirCreationResponse: after a full session of
// reads, lists, patches and rotations, each member token and key secret was
// returned exactly once, by the call that made it, and no hash ever was.
func TestSecretsAppearOnlyInTheirCreationResponse(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("s")
	base := "/v1/workspaces/" + ws
	e.upstreamLLM(ws)
	var m, rot memberTokenResponse
	var k keyResponse
	e.must(http.StatusCreated, "POST", base+"/members", map[string]any{"email": "a@x.io", "role": "admin"}, &m)
	e.must(http.StatusCreated, "POST", base+"/keys", map[string]any{"name": "bot"}, &k)
	e.must(http.StatusOK, "POST", base+"/members/"+m.Member.ID+"/token:rotate", nil, &rot)
	for _, p := range []string{"", "/members", "/members/" + m.Member.ID, "/keys", "/upstreams", "/upstreams/llm"} {
		e.must(http.StatusOK, "GET", base+p, nil, nil)
	}
	e.must(http.StatusOK, "GET", "/v1/workspaces", nil, nil)
	e.must(http.StatusOK, "PATCH", base+"/members/"+m.Member.ID, map[string]any{"rpm": 5}, nil)
	e.must(http.StatusOK, "DELETE", base+"/keys/"+k.Key.ID, nil, nil)
	e.must(http.StatusOK, "DELETE", base+"/members/"+m.Member.ID, nil, nil)
	for secret, want := range map[string]string{m.Token: "/members", k.Secret: "/keys", rot.Token: "/token:rotate"} {
		got := e.responsesContaining(secret[len(secret)-20:])
		if len(got) != 1 || !stringContains(got[0].path, want) || got[0].method != "POST" {
			t.Errorf("secret for %s appeared in %d responses: %+v", want, len(got), got)
		}
	}
	toks, err := e.store.ListTokens(t.Context(), ws)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range toks {
		if leaks := e.responsesContaining(tok.Hash.Hex()); len(leaks) > 0 {
			t.Errorf("hash of %s in %s %s", tok.ID, leaks[0].method, leaks[0].path)
		}
	}
	if leaks := e.responsesContaining("sk-upstream"); len(leaks) > 0 {
		t.Errorf("upstream credential in %s %s", leaks[0].method, leaks[0].path)
	}
}
