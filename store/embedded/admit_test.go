package embedded_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// TestConcurrentAdmitExactlyLimit: 300 goroutines on one member token at
// 120/min admit exactly 120, because each decision holds the workspace lock.
func TestConcurrentAdmitExactlyLimit(t *testing.T) {
	f := newFixture(t, store.Limits{MemberRPM: limiter.DefaultMemberRPM})
	const n = 300
	var allowed, limited atomic.Int64
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			<-start
			var d limiter.Decision
			r := limiter.Request{Workspace: f.ws, TokenHash: f.tok.Hash, Upstream: "openai"}
			if err := f.s.Admit(f.ctx, &r, &d); err != nil {
				t.Error(err)
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
	if allowed.Load() != limiter.DefaultMemberRPM || limited.Load() != n-limiter.DefaultMemberRPM {
		t.Fatalf("allowed %d, limited %d; want %d and %d", allowed.Load(), limited.Load(), limiter.DefaultMemberRPM, n-limiter.DefaultMemberRPM)
	}
}

// TestConcurrentAdmitAndWrites: admission racing with revokes, removals,
// limit changes and upstream writes stays consistent (run with -race).
func TestConcurrentAdmitAndWrites(t *testing.T) {
	f := newFixture(t, store.Limits{MemberRPM: 1000})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					f.admit(f.tok, "openai")
				}
			}
		})
	}
	for i := range 50 {
		k := f.newToken(token.Key, nil)
		must(t, f.s.RevokeToken(f.ctx, f.ws, k.ID))
		must(t, f.s.SetLimits(f.ctx, f.ws, store.Limits{MemberRPM: int64(1000 + i)}))
		must(t, f.s.PutUpstream(f.ctx, &store.Upstream{WorkspaceID: f.ws, Name: "u", BaseURL: "https://u", Kind: store.KindLLM}))
		must(t, f.s.PutMember(f.ctx, f.member))
	}
	close(stop)
	wg.Wait()
	if _, rev, _ := f.s.GetUpstream(f.ctx, f.ws, "u"); rev != 51 {
		t.Fatalf("upstream revision %d after 51 puts, want 51", rev)
	}
}

// TestLimitedRequestWritesNothing: a request refused by one limit is not
// counted against any other, so lifting that limit frees exactly the
// requests the other limit still allows.
func TestLimitedRequestWritesNothing(t *testing.T) {
	f := newFixture(t, store.Limits{MemberRPM: 3, WorkspaceRPM: 2})
	want(t, f.admit(f.tok, "openai"), limiter.Allowed, "1st")
	want(t, f.admit(f.tok, "openai"), limiter.Allowed, "2nd")
	for range 5 {
		if d := f.admit(f.tok, "openai"); d.Outcome != limiter.Limited || d.Scope != limiter.ScopeWorkspace {
			t.Fatalf("%+v: want limited by the workspace", d)
		}
	}
	must(t, f.s.SetLimits(f.ctx, f.ws, store.Limits{MemberRPM: 3}))
	want(t, f.admit(f.tok, "openai"), limiter.Allowed, "3rd, workspace limit off")
	if d := f.admit(f.tok, "openai"); d.Outcome != limiter.Limited || d.Scope != limiter.ScopeMember {
		t.Fatalf("%+v: want limited by the member limit 3", d)
	}
}

// TestCountersResetAfterWindow: counters follow the injected clock; a full
// window later the limit is available again.
func TestCountersResetAfterWindow(t *testing.T) {
	f := newFixture(t, store.Limits{MemberRPM: 2})
	f.admit(f.tok, "openai")
	f.admit(f.tok, "openai")
	want(t, f.admit(f.tok, "openai"), limiter.Limited, "at limit")
	f.clock.Set(start.Add(limiter.Window + limiter.BucketWidth))
	want(t, f.admit(f.tok, "openai"), limiter.Allowed, "a window later")
}

// TestDecisionClearedOnReuse: a reused Decision carries nothing over from
// the previous call.
func TestDecisionClearedOnReuse(t *testing.T) {
	f := newFixture(t, store.Limits{MemberRPM: 1})
	d := limiter.Decision{Outcome: limiter.Limited, RetryAfter: time.Hour, Degraded: true, TokenID: "stale"}
	r := limiter.Request{Workspace: f.ws, TokenHash: f.tok.Hash, Upstream: "openai"}
	must(t, f.s.Admit(f.ctx, &r, &d))
	if d.Outcome != limiter.Allowed || d.RetryAfter != 0 || d.Degraded || d.TokenID != f.tok.ID || d.Remaining != 0 {
		t.Fatalf("%+v: want a fresh allowed decision for %s", d, f.tok.ID)
	}
}

// TestExpiredKeyRevokedByStoreClock: expiry compares against the injected clock.
func TestExpiredKeyRevokedByStoreClock(t *testing.T) {
	f := newFixture(t, store.Limits{})
	k := f.newToken(token.Key, func(t *store.Token) { t.ExpiresAt = start.Add(time.Minute) })
	want(t, f.admit(k, "openai"), limiter.Allowed, "before expiry")
	f.clock.Set(start.Add(time.Minute))
	if d := f.admit(k, "openai"); d.Outcome != limiter.Revoked || d.TokenID != k.ID || d.TokenKind != token.Key {
		t.Fatalf("%+v: want revoked, naming key %s", d, k.ID)
	}
}
