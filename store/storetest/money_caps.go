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

// wantCapped fails unless d is SpendCapped on scope s with limit and
// remaining, retrying at the end of the period (anchor) of the clock's now.
func (e *menv) wantCapped(d limiter.Decision, s limiter.Scope, limit, remaining int64, anchor int, what string) {
	e.t.Helper()
	wantD(e.t, d, limiter.SpendCapped, s, limit, remaining, what)
	now := e.clock.Now()
	if d.RetryAfter != untilPeriodEnd(now, anchor) || d.Period != store.PeriodStart(now, anchor).Unix() {
		e.t.Fatalf("%s: RetryAfter %v period %d, want %v and %d", what, d.RetryAfter, d.Period,
			untilPeriodEnd(now, anchor), store.PeriodStart(now, anchor).Unix())
	}
}

// testMemberCapPeriod: a member's cap counts all its member tokens (not its
// keys), refuses until the next period, and a new period is a new counter
// that leaves the old one as it was.
func testMemberCapPeriod(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 100, MemberMonthlyCredits: 10 * credit})
	e.topUp(e.ws, 100*credit)
	m := e.member(0)
	mt := e.tok(token.Member, m)
	e.settle(mt, e.mustHold(mt, "", limiter.Hold{Credits: 6 * credit}), "", 6*credit, store.Tokens{})
	_, d := e.hold(mt, "", limiter.Hold{Credits: 4*credit + 1})
	e.wantCapped(d, limiter.ScopeMemberSpend, 10*credit, 4*credit, 0, "over the member cap")
	ok(t, e.s.RevokeToken(e.ctx, e.ws, mt.ID), "RevokeToken")
	mt2 := e.tok(token.Member, m)
	_, d = e.hold(mt2, "", limiter.Hold{Credits: 4*credit + 1})
	e.wantCapped(d, limiter.ScopeMemberSpend, 10*credit, 4*credit, 0, "rotated token of the same member")
	// The member's key spends on its own account, not the member's.
	k := e.tok(token.Key, m)
	e.settle(k, e.mustHold(k, "", limiter.Hold{Credits: 20 * credit}), "", 20*credit, store.Tokens{})
	e.settle(mt2, e.mustHold(mt2, "", limiter.Hold{Credits: 4 * credit}), "", 4*credit, store.Tokens{})
	_, d = e.hold(mt2, "", limiter.Hold{})
	e.wantCapped(d, limiter.ScopeMemberSpend, 10*credit, 0, 0, "free request at the cap")
	other := e.tok(token.Member, e.member(0))
	e.settle(other, e.mustHold(other, "", limiter.Hold{Credits: 10 * credit}), "", 0, store.Tokens{})
	m.Monthly = 12 * credit
	e.putMember(m)
	_, d = e.hold(mt2, "", limiter.Hold{Credits: 2*credit + 1})
	e.wantCapped(d, limiter.ScopeMemberSpend, 12*credit, 2*credit, 0, "member override")
	april := time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)
	e.clock.Set(april.Add(-time.Millisecond))
	_, d = e.hold(mt2, "", limiter.Hold{Credits: 2*credit + 1})
	e.wantCapped(d, limiter.ScopeMemberSpend, 12*credit, 2*credit, 0, "last millisecond of March")
	if d.RetryAfter != time.Millisecond {
		t.Fatalf("RetryAfter %v, want 1ms", d.RetryAfter)
	}
	e.clock.Set(april)
	id, d := e.hold(mt2, "", limiter.Hold{Credits: 12 * credit})
	if d.Outcome != limiter.Allowed || d.Period != april.Unix() {
		t.Fatalf("first hold of April: %+v, want allowed in the period %d", d, april.Unix())
	}
	e.settle(mt2, id, "", 12*credit, store.Tokens{})
	_, d = e.hold(mt2, "", limiter.Hold{})
	e.wantCapped(d, limiter.ScopeMemberSpend, 12*credit, 0, 0, "April spent")
	// Back in March the March counter still holds its 10 credits.
	e.clock.Set(time.Date(2027, 3, 20, 0, 0, 0, 0, time.UTC))
	_, d = e.hold(mt2, "", limiter.Hold{Credits: 2*credit + 1})
	e.wantCapped(d, limiter.ScopeMemberSpend, 12*credit, 2*credit, 0, "March counter kept")
}

// testAnchorDay: with a billing anchor the period runs from that day to the
// same day of the next month, not by calendar months.
func testAnchorDay(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 100, MemberMonthlyCredits: 5 * credit})
	e.setBilling(store.Billing{Anchor: 15})
	e.topUp(e.ws, 100*credit)
	mt := e.tok(token.Member, e.member(0))
	feb15 := time.Date(2027, 2, 15, 0, 0, 0, 0, time.UTC)
	id, d := e.hold(mt, "", limiter.Hold{Credits: 5 * credit})
	if d.Outcome != limiter.Allowed || d.Period != feb15.Unix() {
		t.Fatalf("hold on 1 March: %+v, want allowed in the period of 15 February (%d)", d, feb15.Unix())
	}
	e.settle(mt, id, "", 5*credit, store.Tokens{})
	_, d = e.hold(mt, "", limiter.Hold{})
	e.wantCapped(d, limiter.ScopeMemberSpend, 5*credit, 0, 15, "spent by 1 March")
	mar15 := time.Date(2027, 3, 15, 0, 0, 0, 0, time.UTC)
	e.clock.Set(mar15.Add(-time.Millisecond))
	_, d = e.hold(mt, "", limiter.Hold{})
	e.wantCapped(d, limiter.ScopeMemberSpend, 5*credit, 0, 15, "last millisecond before the anchor")
	e.clock.Set(mar15)
	id, d = e.hold(mt, "", limiter.Hold{Credits: 5 * credit})
	if d.Outcome != limiter.Allowed || d.Period != mar15.Unix() {
		t.Fatalf("hold on 15 March: %+v, want allowed in the period %d", d, mar15.Unix())
	}
	e.settle(mt, id, "", 5*credit, store.Tokens{})
	// The first of the month is no boundary with an anchor.
	e.clock.Set(time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC))
	_, d = e.hold(mt, "", limiter.Hold{})
	e.wantCapped(d, limiter.ScopeMemberSpend, 5*credit, 0, 15, "1 April, same period")
	if d.RetryAfter != 14*24*time.Hour {
		t.Fatalf("RetryAfter %v on 1 April, want 14 days to 15 April", d.RetryAfter)
	}
}

// testKeyCap: a key's cap (its own or the workspace's KeyMonthlyCredits)
// is counted per key and never touches its creator's member account.
func testKeyCap(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 100, KeyMonthlyCredits: 5 * credit, MemberMonthlyCredits: credit})
	e.topUp(e.ws, 100*credit)
	m := e.member(0)
	k1 := e.tok(token.Key, m)
	k2 := e.tok(token.Key, m, func(t *store.Token) { t.Monthly = 8 * credit })
	r1 := e.mustHold(k1, "", limiter.Hold{Credits: 5 * credit})
	_, d := e.hold(k1, "", limiter.Hold{Credits: 1})
	e.wantCapped(d, limiter.ScopeKeySpend, 5*credit, 0, 0, "k1 at the workspace's key cap")
	e.mustHold(k2, "", limiter.Hold{Credits: 8 * credit})
	_, d = e.hold(k2, "", limiter.Hold{Credits: 1})
	e.wantCapped(d, limiter.ScopeKeySpend, 8*credit, 0, 0, "k2 at its own cap")
	e.settle(k1, r1, "", 3*credit, store.Tokens{})
	e.mustHold(k1, "", limiter.Hold{Credits: 2 * credit})
	_, d = e.hold(k1, "", limiter.Hold{})
	e.wantCapped(d, limiter.ScopeKeySpend, 5*credit, 0, 0, "k1 spent 3, held 2")
	e.mustHold(e.tok(token.Member, m), "", limiter.Hold{Credits: credit})
}

// testKeyModelCaps: a key's per-model caps count credits and tokens of that
// model only, tokens in full (input and output, whatever TokenCount says),
// and the credit cap reports first.
func testKeyModelCaps(t *testing.T, e *menv) {
	e.upstream("openai")
	// TokenCount applies to token-per-minute limits only; monthly token caps count everything.
	e.setLimits(store.Limits{TokenCount: store.TokensInput})
	e.topUp(e.ws, 100*credit)
	m := e.member(0)
	lim := map[string]store.ModelLimit{"gpt-4o": {MonthlyCredits: 2 * credit, MonthlyTokens: 1000}}
	k := e.tok(token.Key, m, func(t *store.Token) { t.ModelLimits = lim })
	r1 := e.mustHold(k, "gpt-4o", limiter.Hold{Credits: 1_500_000, Input: 400, Output: 100})
	_, d := e.hold(k, "gpt-4o", limiter.Hold{Credits: 500_001})
	e.wantCapped(d, limiter.ScopeKeyModelSpend, 2*credit, 500_000, 0, "model credits")
	_, d = e.hold(k, "gpt-4o", limiter.Hold{Input: 400, Output: 101})
	e.wantCapped(d, limiter.ScopeKeyModelTokensMonth, 1000, 500, 0, "model tokens")
	e.mustHold(k, "gpt-4o-mini", limiter.Hold{Credits: 10 * credit, Input: 5000})
	e.mustHold(e.tok(token.Key, m, func(t *store.Token) { t.ModelLimits = lim }), "gpt-4o",
		limiter.Hold{Credits: 2 * credit, Input: 1000})
	// 400 tokens spent, counting cache and reasoning tokens.
	e.settle(k, r1, "gpt-4o", credit, store.Tokens{Input: 200, CachedRead: 50, CachedWrite: 50, Output: 50, Reasoning: 50})
	_, d = e.hold(k, "gpt-4o", limiter.Hold{Input: 601})
	e.wantCapped(d, limiter.ScopeKeyModelTokensMonth, 1000, 600, 0, "tokens after settlement")
	e.mustHold(k, "gpt-4o", limiter.Hold{Credits: credit, Input: 600})
	_, d = e.hold(k, "gpt-4o", limiter.Hold{})
	e.wantCapped(d, limiter.ScopeKeyModelSpend, 2*credit, 0, 0, "both model caps reached")
}

// testCapOrder: when several caps are exceeded the first in Admit's order
// (key, then the key's model credits, then its model tokens) is reported.
func testCapOrder(t *testing.T, e *menv) {
	e.upstream("openai")
	e.topUp(e.ws, 100*credit)
	k := e.tok(token.Key, e.member(0), func(t *store.Token) {
		t.Monthly = credit
		t.ModelLimits = map[string]store.ModelLimit{"gpt-4o": {MonthlyCredits: credit, MonthlyTokens: 10}}
	})
	_, d := e.hold(k, "gpt-4o", limiter.Hold{Credits: credit + 1, Input: 11})
	e.wantCapped(d, limiter.ScopeKeySpend, credit, credit, 0, "key, model credits and model tokens exceeded")
	_, d = e.hold(k, "gpt-4o", limiter.Hold{Credits: credit, Input: 11})
	e.wantCapped(d, limiter.ScopeKeyModelTokensMonth, 10, 10, 0, "only model tokens exceeded")
}

// testCapNotice: the first SpendCapped of a scope, id and period carries
// CapNotice, exactly once even under concurrency, so one alert is sent.
func testCapNotice(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 1000, MemberMonthlyCredits: credit, KeyMonthlyCredits: credit})
	e.topUp(e.ws, 100*credit)
	m1 := e.tok(token.Member, e.member(0))
	id, d := e.hold(m1, "", limiter.Hold{Credits: credit})
	if d.Outcome != limiter.Allowed || d.CapNotice {
		t.Fatalf("allowed hold %+v: want no CapNotice", d)
	}
	e.settle(m1, id, "", credit, store.Tokens{})
	notices := func(tk *store.Token, n int, h limiter.Hold) int64 {
		var got atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range n {
			wg.Go(func() {
				<-start
				var d limiter.Decision
				r := e.req(tk, "openai", "", token.NewID(), h)
				if err := e.m.Admit(e.ctx, &r, &d); err != nil {
					t.Errorf("Admit: %v", err)
				} else if d.Outcome != limiter.SpendCapped {
					t.Errorf("decision %+v, want SpendCapped", d)
				} else if d.CapNotice {
					got.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		return got.Load()
	}
	if n := notices(m1, 1, limiter.Hold{}); n != 1 {
		t.Fatalf("first SpendCapped of m1 gave %d notices, want 1", n)
	}
	if n := notices(m1, 3, limiter.Hold{Credits: 5 * credit}); n != 0 {
		t.Fatalf("later SpendCapped of m1 gave %d notices, want 0", n)
	}
	if n := notices(e.tok(token.Member, e.member(0)), 20, limiter.Hold{Credits: 2 * credit}); n != 1 {
		t.Fatalf("20 concurrent first refusals of m2 gave %d notices, want 1", n)
	}
	if n := notices(e.tok(token.Key, e.member(0)), 20, limiter.Hold{Credits: 2 * credit}); n != 1 {
		t.Fatalf("20 concurrent first refusals of a key gave %d notices, want 1", n)
	}
	e.clock.Set(time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC))
	if n := notices(m1, 2, limiter.Hold{Credits: 2 * credit}); n != 1 {
		t.Fatalf("first refusals of m1 in April gave %d notices, want 1", n)
	}
}

// testSettleAcrossPeriods: a hold is settled into the period it was held
// in, so a request straddling the turn of the month neither leaks its hold
// into the new period nor its spend out of the old one.
func testSettleAcrossPeriods(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 100, MemberMonthlyCredits: 10 * credit})
	e.topUp(e.ws, 100*credit)
	mt := e.tok(token.Member, e.member(0))
	april := time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)
	e.clock.Set(april.Add(-time.Second))
	r1 := e.mustHold(mt, "", limiter.Hold{Credits: 6 * credit})
	e.clock.Set(april.Add(time.Second))
	// The March hold does not count in April.
	r2 := e.mustHold(mt, "", limiter.Hold{Credits: 10 * credit})
	if r := e.settle(mt, r1, "", 5*credit, store.Tokens{}); !r.Settled {
		t.Fatalf("settle of the March hold in April: %+v", r)
	}
	e.settle(mt, r2, "", 3*credit, store.Tokens{})
	_, d := e.hold(mt, "", limiter.Hold{Credits: 7*credit + 1})
	e.wantCapped(d, limiter.ScopeMemberSpend, 10*credit, 7*credit, 0, "April spent only its own 3")
	e.clock.Set(april.Add(-time.Hour))
	_, d = e.hold(mt, "", limiter.Hold{Credits: 5*credit + 1})
	e.wantCapped(d, limiter.ScopeMemberSpend, 10*credit, 5*credit, 0, "March spent 5, holds nothing")
}
