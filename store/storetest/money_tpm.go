package storetest

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// wantTokenLimited fails unless d is Limited on token scope s with limit and
// remaining, retrying (and resetting) after retry.
func wantTokenLimited(t *testing.T, d limiter.Decision, s limiter.Scope, limit, remaining int64, retry time.Duration, what string) {
	t.Helper()
	wantD(t, d, limiter.Limited, s, limit, remaining, what)
	if d.RetryAfter != retry || d.Reset != retry {
		t.Fatalf("%s: RetryAfter %v Reset %v, want both %v", what, d.RetryAfter, d.Reset, retry)
	}
}

// testMemberTPM: a member's tokens per minute count the held tokens of all
// its member tokens in the sliding window, and a free request is refused
// only once the minute is full.
func testMemberTPM(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 100, MemberTPM: 1000})
	m := e.member(0)
	mt := e.tok(token.Member, m)
	e.mustHold(mt, "", limiter.Hold{Input: 300, Output: 300})
	e.clock.Set(at(20 * time.Second))
	_, d := e.hold(mt, "", limiter.Hold{Input: 401})
	wantTokenLimited(t, d, limiter.ScopeMemberTokens, 1000, 400, 45*time.Second, "401 over 600 held")
	_, d = e.hold(mt, "", limiter.Hold{Input: 400})
	// An allowed decision reports the request limit, never a token limit.
	wantD(t, d, limiter.Allowed, limiter.ScopeMember, 100, 98, "exactly the limit")
	_, d = e.hold(mt, "", limiter.Hold{})
	wantTokenLimited(t, d, limiter.ScopeMemberTokens, 1000, 0, 45*time.Second, "free request, minute full")
	_, d = e.hold(e.tok(token.Member, m), "", limiter.Hold{Input: 1})
	wantTokenLimited(t, d, limiter.ScopeMemberTokens, 1000, 0, 45*time.Second, "another token of the member")
	e.mustHold(e.tok(token.Member, e.member(0)), "", limiter.Hold{Input: 1000})
	// The bucket of Start leaves view at 65 s; the 400 of 20 s stay until 85 s.
	e.clock.Set(at(65 * time.Second))
	e.mustHold(mt, "", limiter.Hold{Output: 600})
	_, d = e.hold(mt, "", limiter.Hold{Output: 1})
	wantTokenLimited(t, d, limiter.ScopeMemberTokens, 1000, 0, 20*time.Second, "full again at 65s")
	m.TPM = 2000
	e.putMember(m)
	e.mustHold(mt, "", limiter.Hold{Output: 1000})
}

// testKeyTPM: a key's tokens per minute (its own or the workspace's KeyTPM)
// and its per-model TPM are counted per key and per key and model.
func testKeyTPM(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 100, KeyTPM: 500})
	m := e.member(0)
	k1 := e.tok(token.Key, m)
	k2 := e.tok(token.Key, m, func(t *store.Token) { t.TPM = 800 })
	e.mustHold(k1, "", limiter.Hold{Input: 250, Output: 250})
	_, d := e.hold(k1, "", limiter.Hold{Output: 1})
	wantTokenLimited(t, d, limiter.ScopeKeyTokens, 500, 0, 65*time.Second, "k1 at KeyTPM")
	e.mustHold(k2, "", limiter.Hold{Input: 800})
	_, d = e.hold(k2, "", limiter.Hold{Input: 1})
	wantTokenLimited(t, d, limiter.ScopeKeyTokens, 800, 0, 65*time.Second, "k2 at its own TPM")
	e.mustHold(e.tok(token.Member, m), "", limiter.Hold{Input: 10_000})
	k3 := e.tok(token.Key, m, func(t *store.Token) {
		t.TPM = 10_000
		t.ModelLimits = map[string]store.ModelLimit{"gpt-4o": {TPM: 100}}
	})
	e.mustHold(k3, "gpt-4o", limiter.Hold{Input: 60, Output: 40})
	_, d = e.hold(k3, "gpt-4o", limiter.Hold{Input: 1})
	wantTokenLimited(t, d, limiter.ScopeKeyModelTokens, 100, 0, 65*time.Second, "k3's gpt-4o TPM")
	e.mustHold(k3, "gpt-4o-mini", limiter.Hold{Input: 1000})
	e.mustHold(k3, "", limiter.Hold{Input: 1000})
}

// testWorkspaceTPM: the workspace's tokens per minute count every token of
// the workspace together.
func testWorkspaceTPM(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 100, WorkspaceTPM: 1000})
	a := e.tok(token.Member, e.member(0))
	b := e.tok(token.Member, e.member(0))
	k := e.tok(token.Key, e.member(0))
	e.mustHold(a, "", limiter.Hold{Input: 400})
	e.mustHold(b, "", limiter.Hold{Output: 300})
	_, d := e.hold(k, "", limiter.Hold{Input: 301})
	wantTokenLimited(t, d, limiter.ScopeWorkspaceTokens, 1000, 300, 65*time.Second, "key over the workspace")
	e.mustHold(k, "", limiter.Hold{Input: 300})
	for _, tk := range []*store.Token{a, b, k} {
		_, d = e.hold(tk, "", limiter.Hold{})
		wantTokenLimited(t, d, limiter.ScopeWorkspaceTokens, 1000, 0, 65*time.Second, "workspace full")
	}
}

// testSettleCorrectsTPM: Settle replaces the held tokens by the actual ones
// in the bucket the hold was counted in (actual < held frees room, actual >
// held takes it), and not at all once that bucket left the window.
func testSettleCorrectsTPM(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 100, MemberTPM: 1000})
	mt := e.tok(token.Member, e.member(0))
	r1 := e.mustHold(mt, "", limiter.Hold{Input: 300, Output: 300})
	e.clock.Set(at(20 * time.Second))
	r2 := e.mustHold(mt, "", limiter.Hold{Input: 400})
	e.clock.Set(at(30 * time.Second))
	e.settle(mt, r1, "", 0, store.Tokens{Input: 20, CachedRead: 20, CachedWrite: 10, Output: 40, Reasoning: 10})
	_, d := e.hold(mt, "", limiter.Hold{Input: 501})
	wantTokenLimited(t, d, limiter.ScopeMemberTokens, 1000, 500, 35*time.Second, "100 of r1 and 400 of r2 counted")
	e.mustHold(mt, "", limiter.Hold{Input: 500})
	e.settle(mt, r2, "", 0, store.Tokens{Input: 450})
	_, d = e.hold(mt, "", limiter.Hold{})
	wantTokenLimited(t, d, limiter.ScopeMemberTokens, 1000, 0, 35*time.Second, "r2 took 50 more than held")
	// At 65 s the 100 of the first bucket leave; 450 + 500 remain.
	e.clock.Set(at(65 * time.Second))
	_, d = e.hold(mt, "", limiter.Hold{Input: 51})
	wantTokenLimited(t, d, limiter.ScopeMemberTokens, 1000, 50, 20*time.Second, "at 65s")
	r4 := e.mustHold(mt, "", limiter.Hold{Input: 50})
	// At 130 s every bucket left; a late settlement of r4 adds nothing.
	e.clock.Set(at(130 * time.Second))
	e.settle(mt, r4, "", 0, store.Tokens{Input: 5000})
	e.mustHold(mt, "", limiter.Hold{Input: 1000})
}

// testTokenCount: with TokenCount input or output, token limits count only
// those tokens, at admission and at settlement.
func testTokenCount(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 100, MemberTPM: 100, TokenCount: store.TokensInput})
	in := e.tok(token.Member, e.member(0))
	r1 := e.mustHold(in, "", limiter.Hold{Input: 100, Output: 10_000})
	_, d := e.hold(in, "", limiter.Hold{Input: 1})
	wantTokenLimited(t, d, limiter.ScopeMemberTokens, 100, 0, 65*time.Second, "input counted")
	_, d = e.hold(in, "", limiter.Hold{Output: 5000})
	wantTokenLimited(t, d, limiter.ScopeMemberTokens, 100, 0, 65*time.Second, "no input, minute full")
	e.settle(in, r1, "", 0, store.Tokens{Input: 10, CachedRead: 20, CachedWrite: 30, Output: 9999, Reasoning: 5})
	_, d = e.hold(in, "", limiter.Hold{Input: 41})
	wantTokenLimited(t, d, limiter.ScopeMemberTokens, 100, 40, 65*time.Second, "60 input tokens settled")
	e.mustHold(in, "", limiter.Hold{Input: 40, Output: 10_000})

	e.setLimits(store.Limits{MemberRPM: 100, MemberTPM: 100, TokenCount: store.TokensOutput})
	out := e.tok(token.Member, e.member(0))
	r2 := e.mustHold(out, "", limiter.Hold{Input: 5000, Output: 100})
	_, d = e.hold(out, "", limiter.Hold{Output: 1})
	wantTokenLimited(t, d, limiter.ScopeMemberTokens, 100, 0, 65*time.Second, "output counted")
	e.settle(out, r2, "", 0, store.Tokens{Input: 99, CachedRead: 500, Output: 10, Reasoning: 20})
	_, d = e.hold(out, "", limiter.Hold{Output: 71})
	wantTokenLimited(t, d, limiter.ScopeMemberTokens, 100, 70, 65*time.Second, "30 output tokens settled")
	e.mustHold(out, "", limiter.Hold{Input: 10_000, Output: 70})
}
