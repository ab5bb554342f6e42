package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/gateway"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// putPublic registers the operator's public upstream name at baseURL,
// creating the public workspace when needed.
func (e *env) putPublic(name, baseURL string) {
	e.t.Helper()
	if _, err := e.s.GetWorkspace(e.ctx, store.PublicWorkspace); err != nil {
		must(e.t, e.s.CreateWorkspace(e.ctx, &store.Workspace{ID: store.PublicWorkspace, Name: store.PublicWorkspaceName}))
	}
	must(e.t, e.s.PutUpstream(e.ctx, &store.Upstream{WorkspaceID: store.PublicWorkspace, Name: name,
		BaseURL: baseURL, Kind: store.KindLLM, Credential: upstreamSecret}))
}

// otherWorkspace creates a second workspace with a member and returns that member's token.
func (e *env) otherWorkspace() (ws, secret string) {
	e.t.Helper()
	ws = token.NewID()
	must(e.t, e.s.CreateWorkspace(e.ctx, &store.Workspace{ID: ws, Name: "other", CreatedAt: time.Now()}))
	m := &store.Member{ID: token.NewID(), WorkspaceID: ws, Email: "b@example.com", Role: "member", Status: store.MemberActive}
	must(e.t, e.s.PutMember(e.ctx, m))
	secret, rec, err := store.NewToken(token.Member, ws, m.ID, "t", time.Now())
	must(e.t, err)
	must(e.t, e.s.CreateToken(e.ctx, rec))
	return ws, secret
}

// eventually polls f until it returns true, failing after a deadline.
func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("not within the deadline: %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not synchronisation
	}
}

func status(t *testing.T, resp *http.Response) int {
	t.Helper()
	_ = readAll(t, resp.Body)
	return resp.StatusCode
}

// TestPublicUpstreams: an operator's public upstream is reachable from any
// workspace once the snapshot refreshes, a workspace's private upstream of
// the same name wins there, and deleting the public one stops its traffic
// within the refresh.
func TestPublicUpstreams(t *testing.T) {
	e := newEnv(t, gateway.Config{PublicRefresh: 10 * time.Millisecond}, store.Limits{})
	pub, priv := newRecorder(t, nil), newRecorder(t, nil)
	_, other := e.otherWorkspace()
	e.putPublic("shared", pub.URL)
	eventually(t, "public upstream reachable from the first workspace", func() bool {
		return status(t, e.do("POST", "/shared/v1/chat", "{}")) == 200
	})
	assertStatus(t, e.doWith("POST", "/shared/v1/chat", "{}", "Authorization", "Bearer "+other), 200, "other workspace")
	if r, _ := pub.request(); r == nil || r.Header.Get("Authorization") != "Bearer "+upstreamSecret {
		t.Fatalf("public upstream got %v, want the public upstream's credential", r)
	}
	if n := pub.n.Load(); n != 2 {
		t.Fatalf("public upstream reached %d times, want 2", n)
	}

	e.addUpstream("shared", priv.URL, nil) // private in the first workspace only
	assertStatus(t, e.do("POST", "/shared/v1/chat", "{}"), 200, "private shadows public")
	if priv.n.Load() != 1 || pub.n.Load() != 2 {
		t.Fatalf("private %d, public %d requests: want the private upstream to win", priv.n.Load(), pub.n.Load())
	}
	assertStatus(t, e.doWith("POST", "/shared/v1/chat", "{}", "Authorization", "Bearer "+other), 200, "other still public")
	if pub.n.Load() != 3 {
		t.Fatalf("public upstream reached %d times, want 3", pub.n.Load())
	}

	must(t, e.s.DeleteUpstream(e.ctx, store.PublicWorkspace, "shared"))
	eventually(t, "deleted public upstream refused", func() bool {
		resp := e.doWith("POST", "/shared/v1/chat", "{}", "Authorization", "Bearer "+other)
		return status(t, resp) == 404
	})
	assertStatus(t, e.do("POST", "/shared/v1/chat", "{}"), 200, "private unaffected")
}

// TestPublicUpstreamEditSeen: a changed public upstream is routed to its new
// address once the snapshot carries the new revision.
func TestPublicUpstreamEditSeen(t *testing.T) {
	e := newEnv(t, gateway.Config{PublicRefresh: 10 * time.Millisecond}, store.Limits{})
	a, b := newRecorder(t, nil), newRecorder(t, nil)
	e.putPublic("shared", a.URL)
	eventually(t, "public upstream reachable", func() bool { return status(t, e.do("POST", "/shared/x", "{}")) == 200 })
	e.putPublic("shared", b.URL)
	eventually(t, "edited public upstream used", func() bool {
		_ = status(t, e.do("POST", "/shared/x", "{}"))
		return b.n.Load() > 0
	})
}

func assertStatus(t *testing.T, resp *http.Response, want int, what string) {
	t.Helper()
	if got := status(t, resp); got != want {
		t.Fatalf("%s: status %d, want %d", what, got, want)
	}
}

// TestKeyModelLimit: a workspace key limited per model gets 429
// key_model_rate_limit for model A after N requests while model B and
// requests without a model still pass; escapes, other cases and a BOM do
// not get around the limit, and a body naming its model twice is refused.
func TestKeyModelLimit(t *testing.T) {
	e := newEnv(t, gateway.Config{}, store.Limits{})
	up := newRecorder(t, nil)
	e.addUpstream("llm", up.URL, nil)
	key := e.newToken(token.Key, func(t *store.Token) { t.ModelRPM = map[string]int64{"gpt-4o": 2, "small": 100} })
	post := func(body string) *http.Response {
		return e.doWith("POST", "/llm/v1/chat/completions", body, "Authorization", "Bearer "+key,
			"Content-Type", "application/json")
	}
	assertStatus(t, post(`{"model":"gpt-4o","messages":[]}`), 200, "first gpt-4o")
	assertStatus(t, post(` {"messages":[{"model":"x"}], "model" : "gpt\u002d4o"}`), 200, "second gpt-4o, escaped")
	for _, body := range []string{
		`{"model":"gpt-4o"}`,
		`{"mod\u0065l":"gpt-4o"}`,
		`{"MODEL":"gpt-4o"}`,
		"\xef\xbb\xbf{\"model\":\"gpt-4o\"}",
	} {
		resp := post(body)
		if resp.Header.Get("Retry-After") == "" {
			t.Fatalf("body %s: no Retry-After on the 429", body)
		}
		assertError(t, resp, 429, "key_model_rate_limit")
	}
	for _, body := range []string{`{"model":"small","model":"gpt-4o"}`, `{"model":"gpt-4o","MODEL":"small"}`} {
		assertError(t, post(body), 400, "ambiguous_model")
	}
	assertStatus(t, post(`{"model":"small","messages":[]}`), 200, "model b")
	assertStatus(t, post(`{"model":"unlimited"}`), 200, "model without a limit")
	assertStatus(t, post(`{"messages":[]}`), 200, "no model")
	assertStatus(t, post(`not json`), 200, "not json")
}
