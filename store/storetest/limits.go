package storetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// fill admits n requests for tk and fails unless all are allowed.
func (e *env) fill(tk *store.Token, n int) {
	e.t.Helper()
	for i := range n {
		d := e.admit(tk, "openai")
		if d.Outcome != limiter.Allowed {
			e.t.Fatalf("request %d of %d: %+v, want allowed", i+1, n, d)
		}
	}
}

// testSetLimitsAtOnce: raising or lowering the workspace's limits applies to the next Admit.
func testSetLimitsAtOnce(t *testing.T, e *env) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 2})
	mt := e.tok(token.Member, e.member(0))
	e.fill(mt, 2)
	expect(t, e.admit(mt, "openai"), limiter.Limited, "at member limit 2")
	e.setLimits(store.Limits{MemberRPM: 3})
	expect(t, e.admit(mt, "openai"), limiter.Allowed, "limit raised to 3")
	expect(t, e.admit(mt, "openai"), limiter.Limited, "at member limit 3")
	e.setLimits(store.Limits{})
	expect(t, e.admit(mt, "openai"), limiter.Allowed, "limits off")
	e.setLimits(store.Limits{MemberRPM: 100, WorkspaceRPM: 10})
	e.fill(mt, 4)
	e.setLimits(store.Limits{MemberRPM: 100, WorkspaceRPM: 3})
	d := e.admit(mt, "openai")
	expect(t, d, limiter.Limited, "workspace limit lowered under the count")
	if d.Scope != limiter.ScopeWorkspace || d.Limit != 3 {
		t.Fatalf("decision %+v: want workspace scope with limit 3", d)
	}
}

// testMemberOverrideAtOnce: a member's RPM override replaces the workspace default at once.
func testMemberOverrideAtOnce(t *testing.T, e *env) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 2})
	m := e.member(0)
	mt := e.tok(token.Member, m)
	e.fill(mt, 2)
	expect(t, e.admit(mt, "openai"), limiter.Limited, "workspace default 2")
	m.RPM = 4
	e.putMember(m)
	e.fill(mt, 2)
	d := e.admit(mt, "openai")
	expect(t, d, limiter.Limited, "override 4")
	if d.Scope != limiter.ScopeMember || d.Limit != 4 {
		t.Fatalf("decision %+v: want member scope with limit 4", d)
	}
	m.RPM = 0
	e.putMember(m)
	if d := e.admit(mt, "openai"); d.Outcome != limiter.Limited || d.Limit != 2 {
		t.Fatalf("override cleared: %+v, want limited at 2", d)
	}
}

// testKeyLimits: a key's own RPM overrides the workspace's KeyRPM, and each key is counted alone.
func testKeyLimits(t *testing.T, e *env) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 1, KeyRPM: 2})
	m := e.member(0)
	k1 := e.tok(token.Key, m)
	k2 := e.tok(token.Key, m, func(t *store.Token) { t.RPM = 3 })
	e.fill(k1, 2)
	d := e.admit(k1, "openai")
	expect(t, d, limiter.Limited, "key at workspace KeyRPM")
	if d.Scope != limiter.ScopeKey || d.Limit != 2 {
		t.Fatalf("decision %+v: want key scope with limit 2", d)
	}
	e.fill(k2, 3)
	if d := e.admit(k2, "openai"); d.Outcome != limiter.Limited || d.Limit != 3 {
		t.Fatalf("key with own RPM: %+v, want limited at 3", d)
	}
	e.setLimits(store.Limits{MemberRPM: 1, KeyRPM: 5})
	expect(t, e.admit(k1, "openai"), limiter.Allowed, "KeyRPM raised")
	// Keys never count against their creator's member limit.
	expect(t, e.admit(e.tok(token.Member, m), "openai"), limiter.Allowed, "creator's member token")
}

// testCountedPerMember: a rotated member token inherits its member's count.
func testCountedPerMember(t *testing.T, e *env) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 3})
	m := e.member(0)
	old := e.tok(token.Member, m)
	e.fill(old, 3)
	if err := e.s.RevokeToken(e.ctx, e.ws, old.ID); err != nil {
		t.Fatal(err)
	}
	rotated := e.tok(token.Member, m)
	d := e.admit(rotated, "openai")
	expect(t, d, limiter.Limited, "rotated token of the same member")
	if d.Scope != limiter.ScopeMember {
		t.Fatalf("decision %+v: want member scope", d)
	}
	expect(t, e.admit(e.tok(token.Member, e.member(0)), "openai"), limiter.Allowed, "another member")
}

// testOnlyAdmittedCounted: denied retries never extend a block.
func testOnlyAdmittedCounted(t *testing.T, e *env) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 2})
	mt := e.tok(token.Member, e.member(0))
	e.fill(mt, 2)
	// The bucket of Start leaves view at its end plus one Window.
	free := at(limiter.BucketWidth + limiter.Window)
	for now := at(time.Second); now.Before(free); now = now.Add(time.Second) {
		e.clock.Set(now)
		for range 3 {
			d := e.admit(mt, "openai")
			if d.Outcome != limiter.Limited || d.RetryAfter != free.Sub(now) {
				t.Fatalf("at %v: %+v, want limited with RetryAfter %v", now.Sub(Start), d, free.Sub(now))
			}
		}
	}
	e.clock.Set(free)
	e.fill(mt, 2)
}

// testRemainingDecreases: Remaining counts down to 0 and stays 0 when limited.
func testRemainingDecreases(t *testing.T, e *env) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 5})
	mt := e.tok(token.Member, e.member(0))
	for want := int64(4); want >= 0; want-- {
		d := e.admit(mt, "openai")
		if d.Outcome != limiter.Allowed || d.Remaining != want || d.Limit != 5 {
			t.Fatalf("%+v: want allowed, remaining %d of 5", d, want)
		}
		e.clock.Advance(3 * time.Second)
	}
	if d := e.admit(mt, "openai"); d.Outcome != limiter.Limited || d.Remaining != 0 {
		t.Fatalf("%+v: want limited with remaining 0", d)
	}
}

// testWorkspaceAcrossTokens: the workspace RPM counts every token of the workspace together.
func testWorkspaceAcrossTokens(t *testing.T, e *env) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 100, KeyRPM: 100, WorkspaceRPM: 4})
	a := e.tok(token.Member, e.member(0))
	b := e.tok(token.Key, e.member(0))
	e.fill(a, 2)
	e.fill(b, 2)
	for _, tk := range []*store.Token{a, b} {
		d := e.admit(tk, "openai")
		if d.Outcome != limiter.Limited || d.Scope != limiter.ScopeWorkspace || d.Limit != 4 {
			t.Fatalf("%+v: want limited by the workspace limit 4", d)
		}
	}
}

// testConcurrentExact: 300 concurrent Admits on one member token admit exactly the default 120.
func testConcurrentExact(t *testing.T, e *env) {
	e.upstream("openai")
	mt := e.tok(token.Member, e.member(0))
	const n = 300
	var allowed, limited atomic.Int64
	errs := make(chan error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			<-start
			var d limiter.Decision
			r := limiter.Request{Workspace: e.ws, TokenHash: mt.Hash, Upstream: "openai"}
			if err := e.s.Admit(e.ctx, &r, &d); err != nil {
				errs <- err
				return
			}
			switch d.Outcome {
			case limiter.Allowed:
				allowed.Add(1)
			case limiter.Limited:
				limited.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Admit: %v", err)
	}
	if allowed.Load() != limiter.DefaultMemberRPM || limited.Load() != n-limiter.DefaultMemberRPM {
		t.Fatalf("allowed %d, limited %d; want %d and %d", allowed.Load(), limited.Load(),
			limiter.DefaultMemberRPM, n-limiter.DefaultMemberRPM)
	}
}

// testRetryAfterExact: Reset and RetryAfter follow limiter.ResetAfter to the millisecond,
// and with several exhausted limits the longest retry is reported.
func testRetryAfterExact(t *testing.T, e *env) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 2, WorkspaceRPM: 3})
	a := e.tok(token.Member, e.member(0))
	b := e.tok(token.Member, e.member(0))
	e.clock.Set(at(1 * time.Second))
	d := e.admit(b, "openai")
	// Tightest is the member limit (1 left) over the workspace (2 left).
	want := limiter.Decision{Scope: limiter.ScopeMember, Limit: 2, Remaining: 1, Reset: 64 * time.Second}
	sameLimits(t, d, want, "b at 1s")
	e.clock.Set(at(21*time.Second + 500*time.Millisecond))
	e.admit(a, "openai")
	d = e.admit(a, "openai")
	// The workspace now holds 3; its oldest bucket (0-5s) leaves view at 65s.
	want = limiter.Decision{Scope: limiter.ScopeMember, Limit: 2, Remaining: 0, Reset: 63*time.Second + 500*time.Millisecond}
	sameLimits(t, d, want, "a's second at 21.5s")
	e.clock.Set(at(30 * time.Second))
	want = limiter.Decision{Outcome: limiter.Limited, Scope: limiter.ScopeMember, Limit: 2, Reset: 55 * time.Second, RetryAfter: 55 * time.Second}
	sameLimits(t, e.admit(a, "openai"), want, "a at 30s: member (55s) outlasts workspace (35s)")
	want = limiter.Decision{Outcome: limiter.Limited, Scope: limiter.ScopeWorkspace, Limit: 3, Reset: 35 * time.Second, RetryAfter: 35 * time.Second}
	sameLimits(t, e.admit(b, "openai"), want, "b at 30s: only the workspace is exhausted")
	e.clock.Set(at(65*time.Second - time.Millisecond))
	want.Reset, want.RetryAfter = time.Millisecond, time.Millisecond
	sameLimits(t, e.admit(b, "openai"), want, "b 1ms before the bucket leaves")
	e.clock.Set(at(65 * time.Second))
	// b's bucket left view; a's two at 21.5s keep the workspace at 2 of 3, the tightest.
	want = limiter.Decision{Scope: limiter.ScopeWorkspace, Limit: 3, Remaining: 0, Reset: 20 * time.Second}
	sameLimits(t, e.admit(b, "openai"), want, "b at 65s")
}

func sameLimits(t *testing.T, got, want limiter.Decision, what string) {
	t.Helper()
	if got.Outcome != want.Outcome || got.Scope != want.Scope || got.Limit != want.Limit ||
		got.Remaining != want.Remaining || got.Reset != want.Reset || got.RetryAfter != want.RetryAfter {
		t.Fatalf("%s: got %v %v limit %d remaining %d reset %v retry %v; want %v %v limit %d remaining %d reset %v retry %v",
			what, got.Outcome, got.Scope, got.Limit, got.Remaining, got.Reset, got.RetryAfter,
			want.Outcome, want.Scope, want.Limit, want.Remaining, want.Reset, want.RetryAfter)
	}
}
