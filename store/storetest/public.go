package storetest

import (
	"slices"
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// RunPublic runs the part of the contract for public upstreams
// (limiter.Request.Public, store.PublicWorkspace, UpstreamNames) and
// per-model limits (Token.ModelRPM, limiter.ScopeKeyModel). RunAll runs it.
func RunPublic(t *testing.T, open Opener) {
	t.Helper()
	runCases(t, open, publicCases, plain)
}

var publicCases = []struct {
	name string
	run  func(t *testing.T, e *env)
}{
	{"PublicFlagMakesUpstreamExist", testPublicFlag},
	{"PrivateUpstreamShadowsPublic", testPrivateShadowsPublic},
	{"PublicStillObeysAllowedUpstreams", testPublicAllowList},
	{"PublicStillChecksTokenFirst", testPublicTokenFirst},
	{"UpstreamNamesWithRevision", testUpstreamNames},
	{"ModelRPMStoredWithToken", testModelRPMStored},
	{"ModelRPMInvalidRefused", testModelRPMInvalid},
	{"KeyModelLimitPerModel", testKeyModelLimit},
	{"KeyModelLimitPerToken", testKeyModelPerToken},
	{"KeyModelLimitOnlyAdmittedCounted", testKeyModelOnlyAdmitted},
	{"KeyModelLimitConcurrentExact", testKeyModelConcurrent},
}

// admitReq runs Admit on r with the env's workspace filled in.
func (e *env) admitReq(r limiter.Request) limiter.Decision {
	e.t.Helper()
	if r.Workspace == "" {
		r.Workspace = e.ws
	}
	var d limiter.Decision
	if err := e.s.Admit(e.ctx, &r, &d); err != nil {
		e.t.Fatalf("Admit: %v", err)
	}
	return d
}

// testPublicFlag: with Public set, a name the workspace lacks exists and the decision says Public.
func testPublicFlag(t *testing.T, e *env) {
	k := e.tok(token.Key, e.member(0))
	expect(t, e.admitReq(limiter.Request{TokenHash: k.Hash, Upstream: "shared"}), limiter.UpstreamUnknown, "not public")
	d := e.admitReq(limiter.Request{TokenHash: k.Hash, Upstream: "shared", Public: true})
	expect(t, d, limiter.Allowed, "public")
	if !d.Public || d.TokenID != k.ID {
		t.Fatalf("decision %+v: want Public for key %s", d, k.ID)
	}
}

// testPrivateShadowsPublic: a workspace's own upstream wins over a public one of the same name.
func testPrivateShadowsPublic(t *testing.T, e *env) {
	e.upstream("shared")
	k := e.tok(token.Key, e.member(0))
	d := e.admitReq(limiter.Request{TokenHash: k.Hash, Upstream: "shared", Public: true})
	expect(t, d, limiter.Allowed, "private and public")
	if d.Public {
		t.Fatalf("decision %+v: the private upstream must shadow the public one", d)
	}
}

// testPublicAllowList: a token's allowed upstreams apply to public ones too.
func testPublicAllowList(t *testing.T, e *env) {
	k := e.tok(token.Key, e.member(0), func(t *store.Token) { t.Upstreams = []string{"other"} })
	expect(t, e.admitReq(limiter.Request{TokenHash: k.Hash, Upstream: "shared", Public: true}), limiter.Forbidden, "not allowed")
	ok := e.tok(token.Key, e.member(0), func(t *store.Token) { t.Upstreams = []string{"shared"} })
	expect(t, e.admitReq(limiter.Request{TokenHash: ok.Hash, Upstream: "shared", Public: true}), limiter.Allowed, "allowed")
}

// testPublicTokenFirst: Public never helps an unknown, revoked or reader token.
func testPublicTokenFirst(t *testing.T, e *env) {
	expect(t, e.admitReq(limiter.Request{TokenHash: token.HashOf([]byte("x")), Upstream: "s", Public: true}), limiter.Unknown, "unknown")
	k := e.tok(token.Key, e.member(0), func(t *store.Token) { t.Status = store.TokenRevoked })
	d := e.admitReq(limiter.Request{TokenHash: k.Hash, Upstream: "s", Public: true})
	expect(t, d, limiter.Revoked, "revoked")
	if d.Public {
		t.Fatalf("decision %+v: a refused decision is not Public", d)
	}
	r := e.member(0)
	r.Role = store.RoleReader
	e.putMember(r)
	rt := e.tok(token.Member, r)
	expect(t, e.admitReq(limiter.Request{TokenHash: rt.Hash, Upstream: "s", Public: true}), limiter.RoleForbidden, "reader")
}

// testUpstreamNames: names and revision come together; a missing workspace has none at revision 0.
func testUpstreamNames(t *testing.T, e *env) {
	names, rev, err := e.s.UpstreamNames(e.ctx, token.NewID())
	if err != nil || len(names) != 0 || rev != 0 {
		t.Fatalf("missing workspace: %v %d %v, want none at 0", names, rev, err)
	}
	e.upstream("b")
	e.upstream("a")
	names, rev, err = e.s.UpstreamNames(e.ctx, e.ws)
	slices.Sort(names)
	_, grev, _ := e.s.GetUpstream(e.ctx, e.ws, "a")
	if err != nil || !slices.Equal(names, []string{"a", "b"}) || rev != grev || rev == 0 {
		t.Fatalf("names %v rev %d err %v, want [a b] at %d", names, rev, err, grev)
	}
	if err := e.s.DeleteUpstream(e.ctx, e.ws, "a"); err != nil {
		t.Fatal(err)
	}
	names, rev2, err := e.s.UpstreamNames(e.ctx, e.ws)
	if err != nil || !slices.Equal(names, []string{"b"}) || rev2 <= rev {
		t.Fatalf("after delete: %v rev %d (was %d) %v, want [b] at a higher revision", names, rev2, rev, err)
	}
}

// testModelRPMStored: ModelRPM round-trips through CreateToken, GetToken and ListTokens.
func testModelRPMStored(t *testing.T, e *env) {
	want := map[string]int64{"gpt-4o": 10, "meta-llama/Llama-3-70b": 3, "ft:gpt-4o:acme:1": 1}
	k := e.tok(token.Key, e.member(0), func(t *store.Token) { t.ModelRPM = want })
	got, err := e.s.GetToken(e.ctx, e.ws, k.ID)
	if err != nil || len(got.ModelRPM) != len(want) {
		t.Fatalf("GetToken: %+v %v, want model limits %v", got, err, want)
	}
	for m, v := range want {
		if got.ModelRPM[m] != v {
			t.Fatalf("model %q: %d, want %d", m, got.ModelRPM[m], v)
		}
	}
	plain := e.tok(token.Key, e.member(0))
	if got, _ := e.s.GetToken(e.ctx, e.ws, plain.ID); len(got.ModelRPM) != 0 {
		t.Fatalf("token without model limits reads back %v", got.ModelRPM)
	}
}

// testModelRPMInvalid: bad model names and limits are refused with an error naming them.
func testModelRPMInvalid(t *testing.T, e *env) {
	m := e.member(0)
	for _, bad := range []map[string]int64{{"gpt 4o": 1}, {"a,b": 1}, {"a=b": 1}, {"": 1}, {"gpt-4o": 0}, {"gpt-4o": -1}} {
		secret, _ := token.New(token.Key, e.ws)
		tk := &store.Token{ID: token.NewID(), WorkspaceID: e.ws, Kind: token.Key, Hash: token.HashOf([]byte(secret)),
			MemberID: m.ID, Status: store.TokenActive, CreatedAt: e.clock.Now(), ModelRPM: bad}
		if err := e.s.CreateToken(e.ctx, tk); err == nil {
			t.Fatalf("CreateToken with model limits %v: no error", bad)
		}
	}
}

// testKeyModelLimit: the per-model limit refuses model A past N while model B and no model still pass.
func testKeyModelLimit(t *testing.T, e *env) {
	e.upstream("openai")
	k := e.tok(token.Key, e.member(0), func(t *store.Token) { t.ModelRPM = map[string]int64{"a": 2, "b": 5} })
	for i := range 2 {
		d := e.admitReq(limiter.Request{TokenHash: k.Hash, Upstream: "openai", Model: "a"})
		expect(t, d, limiter.Allowed, "model a within limit")
		if d.Scope != limiter.ScopeKeyModel || d.Limit != 2 || d.Remaining != int64(1-i) {
			t.Fatalf("request %d: decision %+v, want key_model scope, limit 2, remaining %d", i, d, 1-i)
		}
	}
	d := e.admitReq(limiter.Request{TokenHash: k.Hash, Upstream: "openai", Model: "a"})
	expect(t, d, limiter.Limited, "model a past limit")
	if d.Scope != limiter.ScopeKeyModel || d.Scope.Code() != "key_model_rate_limit" || d.RetryAfter <= 0 {
		t.Fatalf("decision %+v: want key_model_rate_limit with a retry-after", d)
	}
	expect(t, e.admitReq(limiter.Request{TokenHash: k.Hash, Upstream: "openai", Model: "b"}), limiter.Allowed, "model b")
	expect(t, e.admitReq(limiter.Request{TokenHash: k.Hash, Upstream: "openai", Model: "c"}), limiter.Allowed, "unlimited model")
	expect(t, e.admitReq(limiter.Request{TokenHash: k.Hash, Upstream: "openai"}), limiter.Allowed, "no model")
	e.clock.Set(e.clock.Now().Add(d.RetryAfter))
	expect(t, e.admitReq(limiter.Request{TokenHash: k.Hash, Upstream: "openai", Model: "a"}), limiter.Allowed, "after retry-after")
}

// testKeyModelPerToken: two keys with the same model limit count separately.
func testKeyModelPerToken(t *testing.T, e *env) {
	e.upstream("openai")
	m := e.member(0)
	lim := func(t *store.Token) { t.ModelRPM = map[string]int64{"a": 1} }
	k1, k2 := e.tok(token.Key, m, lim), e.tok(token.Key, m, lim)
	expect(t, e.admitReq(limiter.Request{TokenHash: k1.Hash, Upstream: "openai", Model: "a"}), limiter.Allowed, "k1")
	expect(t, e.admitReq(limiter.Request{TokenHash: k1.Hash, Upstream: "openai", Model: "a"}), limiter.Limited, "k1 again")
	expect(t, e.admitReq(limiter.Request{TokenHash: k2.Hash, Upstream: "openai", Model: "a"}), limiter.Allowed, "k2")
}

// testKeyModelOnlyAdmitted: a request refused by another limit does not count against the model.
func testKeyModelOnlyAdmitted(t *testing.T, e *env) {
	e.upstream("openai")
	e.setLimits(store.Limits{WorkspaceRPM: 1})
	k := e.tok(token.Key, e.member(0), func(t *store.Token) { t.ModelRPM = map[string]int64{"a": 2} })
	expect(t, e.admitReq(limiter.Request{TokenHash: k.Hash, Upstream: "openai"}), limiter.Allowed, "first")
	d := e.admitReq(limiter.Request{TokenHash: k.Hash, Upstream: "openai", Model: "a"})
	expect(t, d, limiter.Limited, "workspace limit")
	if d.Scope != limiter.ScopeWorkspace {
		t.Fatalf("decision %+v: want the workspace limit", d)
	}
	e.setLimits(store.Limits{})
	for i := range 2 {
		expect(t, e.admitReq(limiter.Request{TokenHash: k.Hash, Upstream: "openai", Model: "a"}), limiter.Allowed, "model a "+string(rune('1'+i)))
	}
	expect(t, e.admitReq(limiter.Request{TokenHash: k.Hash, Upstream: "openai", Model: "a"}), limiter.Limited, "model a third")
}

// testKeyModelConcurrent: many goroutines on one key and model admit exactly the limit.
func testKeyModelConcurrent(t *testing.T, e *env) {
	e.upstream("openai")
	const limit, workers, each = 25, 16, 5
	k := e.tok(token.Key, e.member(0), func(t *store.Token) { t.ModelRPM = map[string]int64{"gpt-4o": limit} })
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range workers {
		wg.Go(func() {
			for range each {
				var d limiter.Decision
				r := limiter.Request{Workspace: e.ws, TokenHash: k.Hash, Upstream: "openai", Model: "gpt-4o"}
				if err := e.s.Admit(e.ctx, &r, &d); err != nil {
					t.Error(err)
					return
				}
				if d.Outcome == limiter.Allowed {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if allowed != limit {
		t.Fatalf("%d admitted, want exactly %d", allowed, limit)
	}
}
