package admin

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/token"
)

// TestKeyLifecycle: a key's secret works and is shown once; listing shows its
// display prefix only; revoking it refuses the very next request.
func TestKeyLifecycle(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("k")
	e.upstreamLLM(ws)
	exp := testNow.Add(24 * time.Hour).Format(time.RFC3339)
	var k keyResponse
	e.must(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/keys",
		map[string]any{"name": "ci", "rpm": 10, "upstreams": []string{"llm"}, "expires_at": exp}, &k)
	if p, err := token.Parse([]byte(k.Secret)); err != nil || p.Kind != token.Key {
		t.Fatalf("secret is not a wsk_ key: %v", err)
	}
	if k.Key.Name != "ci" || k.Key.RPM != 10 || k.Key.Kind != "key" || k.Key.ExpiresAt == nil ||
		k.Key.Display != token.Display(k.Secret) || len(k.Key.Upstreams) != 1 {
		t.Fatalf("key view %+v", k.Key)
	}
	if got := e.admit(k.Secret); got != limiter.Allowed {
		t.Fatalf("new key: %v", got)
	}
	var list page[tokenView]
	e.must(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/keys", nil, &list)
	if len(list.Items) != 1 || list.Items[0].ID != k.Key.ID || !strings.HasPrefix(list.Items[0].Display, "wsk_"+ws) {
		t.Fatalf("list %+v", list)
	}
	var revoked tokenView
	e.must(http.StatusOK, "DELETE", "/v1/workspaces/"+ws+"/keys/"+k.Key.ID, nil, &revoked)
	if revoked.Status != "revoked" || e.admit(k.Secret) != limiter.Revoked {
		t.Fatalf("after revoke: %+v", revoked)
	}
	e.must(http.StatusOK, "DELETE", "/v1/workspaces/"+ws+"/keys/"+k.Key.ID, nil, nil) // idempotent
	e.mustFail(http.StatusNotFound, CodeNotFound, "DELETE", "/v1/workspaces/"+ws+"/keys/nope", nil, `key "nope"`)
}

// TestTokensEndpointRevokesAnyKind, and the keys endpoint refuses member tokens.
func TestTokensEndpointRevokesAnyKind(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("t")
	e.upstreamLLM(ws)
	var m memberTokenResponse
	e.must(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/members", map[string]any{"email": "a@x.io", "role": "admin"}, &m)
	e.mustFail(http.StatusNotFound, CodeNotFound, "DELETE", "/v1/workspaces/"+ws+"/keys/"+m.TokenID, nil, "key")
	if e.admit(m.Token) != limiter.Allowed {
		t.Fatal("member token refused before revoke")
	}
	e.must(http.StatusOK, "DELETE", "/v1/workspaces/"+ws+"/tokens/"+m.TokenID, nil, nil)
	if got := e.admit(m.Token); got != limiter.Revoked {
		t.Fatalf("after token revoke: %v", got)
	}
	other := e.workspace("other")
	e.mustFail(http.StatusNotFound, CodeNotFound, "DELETE", "/v1/workspaces/"+other+"/tokens/"+m.TokenID, nil, "token")
}
