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

// testHoldSettleExact: a hold moves exactly its estimate into Held and the
// cap's held spend, and Settle replaces it by the actual cost in the
// balance and the spend, to the micro-credit.
func testHoldSettleExact(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 100, MemberMonthlyCredits: 10 * credit})
	mt := e.tok(token.Member, e.member(0))
	e.topUp(e.ws, 20*credit)
	h1 := limiter.Hold{Credits: 3 * credit, Input: 100, Output: 200}
	r1, d := e.hold(mt, "gpt-4o", h1)
	if d.Outcome != limiter.Allowed || d.Held != h1 || d.Period != store.PeriodStart(e.clock.Now(), 0).Unix() {
		t.Fatalf("first hold: %+v, want allowed holding %+v in the period of %v", d, h1, e.clock.Now())
	}
	e.wantCredits(e.ws, 20*credit, 3*credit, "one hold")
	r2 := e.mustHold(mt, "", limiter.Hold{Credits: 2 * credit})
	e.wantCredits(e.ws, 20*credit, 5*credit, "two holds")
	// The cap sees the held spend: 10 − 5 left.
	_, d = e.hold(mt, "", limiter.Hold{Credits: 5*credit + 1})
	wantD(t, d, limiter.SpendCapped, limiter.ScopeMemberSpend, 10*credit, 5*credit, "one µc over the cap's room")
	if r := e.settle(mt, r1, "gpt-4o", 2_500_000, store.Tokens{Input: 90, Output: 150}); !r.Settled || r.Balance != 17_500_000 {
		t.Fatalf("settle r1: %+v, want settled at balance 17.5 credits", r)
	}
	e.wantCredits(e.ws, 17_500_000, 2*credit, "r1 settled")
	// Spent 2.5 + held 2 leaves 5.5 of the cap.
	_, d = e.hold(mt, "", limiter.Hold{Credits: 5_500_001})
	wantD(t, d, limiter.SpendCapped, limiter.ScopeMemberSpend, 10*credit, 5_500_000, "after r1")
	r3 := e.mustHold(mt, "", limiter.Hold{Credits: 5_500_000})
	e.wantCredits(e.ws, 17_500_000, 7_500_000, "r3 holds the rest of the cap")
	if r := e.settle(mt, r2, "", 2*credit, store.Tokens{}); !r.Settled || r.Balance != 15_500_000 {
		t.Fatalf("settle r2: %+v, want settled at balance 15.5 credits", r)
	}
	if r := e.settle(mt, r3, "", 0, store.Tokens{}); !r.Settled || r.Balance != 15_500_000 {
		t.Fatalf("settle r3 at 0: %+v, want settled at balance 15.5 credits", r)
	}
	e.wantCredits(e.ws, 15_500_000, 0, "all settled")
	_, d = e.hold(mt, "", limiter.Hold{Credits: 5_500_001})
	wantD(t, d, limiter.SpendCapped, limiter.ScopeMemberSpend, 10*credit, 5_500_000, "spent 4.5 of 10")
	e.mustHold(mt, "", limiter.Hold{Credits: 5_500_000})
	e.wantLedgerSum(e.ws, "after the settlements")
}

// testSettleIdempotent: a retried Settle, even racing the first, charges
// once and reports Settled false, so a replica's retry never double-charges.
func testSettleIdempotent(t *testing.T, e *menv) {
	e.upstream("openai")
	mt := e.tok(token.Member, e.member(0))
	e.topUp(e.ws, 10*credit)
	r1 := e.mustHold(mt, "gpt-4o", limiter.Hold{Credits: 2 * credit})
	if r := e.settle(mt, r1, "gpt-4o", credit, store.Tokens{}); !r.Settled || r.Balance != 9*credit {
		t.Fatalf("first settle: %+v, want settled at 9 credits", r)
	}
	for _, cost := range []int64{credit, 5 * credit} {
		if r := e.settle(mt, r1, "gpt-4o", cost, store.Tokens{}); r.Settled || r.Balance != 9*credit {
			t.Fatalf("repeated settle at %d: %+v, want not settled, balance 9 credits", cost, r)
		}
	}
	e.wantCredits(e.ws, 9*credit, 0, "after repeats")
	// 20 replicas settle one request at once: exactly one charges.
	r2 := e.mustHold(mt, "gpt-4o", limiter.Hold{Credits: 2 * credit})
	var settled atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 20 {
		wg.Go(func() {
			<-start
			var r store.SettleResult
			rec := record(mt, r2, "gpt-4o", credit, store.Tokens{})
			s := store.Settlement{Workspace: e.ws, RequestID: r2, Cost: credit, Record: rec}
			if err := e.m.Settle(e.ctx, &s, &r); err != nil {
				t.Errorf("Settle: %v", err)
			} else if r.Settled {
				settled.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if settled.Load() != 1 {
		t.Fatalf("%d of 20 concurrent settles reported Settled, want 1", settled.Load())
	}
	e.wantCredits(e.ws, 8*credit, 0, "after the race")
	if rs := e.requests(e.ws, store.RequestQuery{}); len(rs) != 2 {
		t.Fatalf("audit trail holds %d records, want one per request (2)", len(rs))
	}
	e.wantLedgerSum(e.ws, "after the race")
}

// testSettleWithoutHold: a Settle whose request was never held (degraded
// admission) charges its cost once, and its retry charges nothing.
func testSettleWithoutHold(t *testing.T, e *menv) {
	e.upstream("openai")
	mt := e.tok(token.Member, e.member(0))
	e.topUp(e.ws, 10*credit)
	id := token.NewID()
	if r := e.settle(mt, id, "gpt-4o", 1_500_000, store.Tokens{Input: 10}); !r.Settled || r.Balance != 8_500_000 {
		t.Fatalf("settle without hold: %+v, want settled at 8.5 credits", r)
	}
	if r := e.settle(mt, id, "gpt-4o", 1_500_000, store.Tokens{Input: 10}); r.Settled || r.Balance != 8_500_000 {
		t.Fatalf("retry: %+v, want not settled at 8.5 credits", r)
	}
	e.wantCredits(e.ws, 8_500_000, 0, "after the retry")
	rs := e.requests(e.ws, store.RequestQuery{})
	if len(rs) != 1 || rs[0].RequestID != id || rs[0].Cost != 1_500_000 || rs[0].TokenID != mt.ID {
		t.Fatalf("audit trail %+v, want the one request %s", rs, id)
	}
	e.wantLedgerSum(e.ws, "after a settle without hold")
}

// testNoCredits: a hold larger than balance minus holds is NoCredits with
// the available amount as Limit; an exact fit is allowed.
func testNoCredits(t *testing.T, e *menv) {
	e.upstream("openai")
	mt := e.tok(token.Member, e.member(0))
	_, d := e.hold(mt, "", limiter.Hold{Credits: 1})
	wantD(t, d, limiter.NoCredits, limiter.ScopeBalance, 0, 0, "workspace that never had credits")
	if d.RetryAfter != 0 || d.Held != (limiter.Hold{}) {
		t.Fatalf("NoCredits decision %+v: want no RetryAfter and nothing held", d)
	}
	e.topUp(e.ws, 5*credit)
	e.mustHold(mt, "", limiter.Hold{Credits: 3 * credit})
	_, d = e.hold(mt, "", limiter.Hold{Credits: 2*credit + 1})
	wantD(t, d, limiter.NoCredits, limiter.ScopeBalance, 2*credit, 0, "one µc over the available 2 credits")
	e.mustHold(mt, "", limiter.Hold{Credits: 2 * credit})
	_, d = e.hold(mt, "", limiter.Hold{Credits: 1})
	wantD(t, d, limiter.NoCredits, limiter.ScopeBalance, 0, 0, "everything held")
	e.wantCredits(e.ws, 5*credit, 5*credit, "two holds, refusals hold nothing")
}

// testZeroEstimate: a request that holds no credits is refused only while
// balance minus holds is negative.
func testZeroEstimate(t *testing.T, e *menv) {
	e.upstream("openai")
	mt := e.tok(token.Member, e.member(0))
	free := e.req(mt, "openai", "", "", limiter.Hold{})
	expect(t, e.admitReq(free), limiter.Allowed, "zero hold at balance 0")
	e.topUp(e.ws, credit)
	r1 := e.mustHold(mt, "", limiter.Hold{Credits: credit})
	expect(t, e.admitReq(free), limiter.Allowed, "zero hold with nothing available")
	e.settle(mt, r1, "", 1_500_000, store.Tokens{})
	e.wantCredits(e.ws, -500_000, 0, "settled above the estimate")
	wantD(t, e.admitReq(free), limiter.NoCredits, limiter.ScopeBalance, -500_000, 0, "zero hold below zero")
	e.topUp(e.ws, 500_000)
	expect(t, e.admitReq(free), limiter.Allowed, "zero hold at exactly 0 again")
}

// testEmptyRequestID: without a RequestID every check applies to the hold
// but nothing is held or counted.
func testEmptyRequestID(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 100, MemberTPM: 1000, MemberMonthlyCredits: 4 * credit})
	mt := e.tok(token.Member, e.member(0))
	e.topUp(e.ws, 5*credit)
	h := limiter.Hold{Credits: 3 * credit, Input: 500, Output: 500}
	for i := range 2 {
		d := e.admitReq(e.req(mt, "openai", "", "", h))
		if d.Outcome != limiter.Allowed || d.Held != (limiter.Hold{}) {
			t.Fatalf("request %d without id: %+v, want allowed holding nothing", i, d)
		}
	}
	e.wantCredits(e.ws, 5*credit, 0, "nothing held")
	d := e.admitReq(e.req(mt, "openai", "", "", limiter.Hold{Input: 1001}))
	wantD(t, d, limiter.Limited, limiter.ScopeMemberTokens, 1000, 1000, "token limit applies without id")
	d = e.admitReq(e.req(mt, "openai", "", "", limiter.Hold{Credits: 4*credit + 1}))
	wantD(t, d, limiter.SpendCapped, limiter.ScopeMemberSpend, 4*credit, 4*credit, "cap applies without id")
	e.setLimits(store.Limits{MemberRPM: 100, MemberTPM: 1000})
	d = e.admitReq(e.req(mt, "openai", "", "", limiter.Hold{Credits: 5*credit + 1}))
	wantD(t, d, limiter.NoCredits, limiter.ScopeBalance, 5*credit, 0, "balance applies without id")
	// Neither the token counter nor the credits were touched: the full limit fits.
	e.mustHold(mt, "", limiter.Hold{Credits: 5 * credit, Input: 1000})
}

// testMoneyOrder: token limits refuse before caps, caps before the balance,
// each with its documented RetryAfter.
func testMoneyOrder(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 100, MemberTPM: 1000, MemberMonthlyCredits: 5 * credit})
	mt := e.tok(token.Member, e.member(0))
	e.topUp(e.ws, credit)
	_, d := e.hold(mt, "", limiter.Hold{Credits: 10 * credit, Input: 2000})
	wantD(t, d, limiter.Limited, limiter.ScopeMemberTokens, 1000, 1000, "all three exceeded")
	// An empty counter resets when the current bucket leaves view.
	if rt := limiter.ResetAfter(e.clock.Now(), limiter.BucketOf(e.clock.Now())); d.RetryAfter != rt || d.Reset != rt {
		t.Fatalf("token limit %+v: want RetryAfter and Reset %v", d, rt)
	}
	_, d = e.hold(mt, "", limiter.Hold{Credits: 10 * credit, Input: 1000})
	wantD(t, d, limiter.SpendCapped, limiter.ScopeMemberSpend, 5*credit, 5*credit, "cap and balance exceeded")
	if rt := untilPeriodEnd(e.clock.Now(), 0); d.RetryAfter != rt {
		t.Fatalf("cap %+v: want RetryAfter %v to the next period", d, rt)
	}
	_, d = e.hold(mt, "", limiter.Hold{Credits: 2 * credit, Input: 1000})
	wantD(t, d, limiter.NoCredits, limiter.ScopeBalance, credit, 0, "balance exceeded")
	if d.RetryAfter != 0 {
		t.Fatalf("NoCredits %+v: want RetryAfter 0", d)
	}
}

// testNothingWrittenOnDenial: a refused request counts no request, holds no
// tokens, no spend and no credits, so refusals never tighten a limit.
func testNothingWrittenOnDenial(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 3, MemberTPM: 1002, MemberMonthlyCredits: 5 * credit})
	mt := e.tok(token.Member, e.member(0))
	e.topUp(e.ws, 4*credit)
	h := limiter.Hold{Credits: 2 * credit, Input: 250, Output: 250}
	_, d := e.hold(mt, "", h)
	wantD(t, d, limiter.Allowed, limiter.ScopeMember, 3, 2, "first")
	_, d = e.hold(mt, "", limiter.Hold{Credits: credit, Input: 503})
	wantD(t, d, limiter.Limited, limiter.ScopeMemberTokens, 1002, 502, "over the token limit")
	_, d = e.hold(mt, "", limiter.Hold{Credits: 3*credit + 1})
	wantD(t, d, limiter.SpendCapped, limiter.ScopeMemberSpend, 5*credit, 3*credit, "over the cap")
	_, d = e.hold(mt, "", limiter.Hold{Credits: 2*credit + 1})
	wantD(t, d, limiter.NoCredits, limiter.ScopeBalance, 2*credit, 0, "over the balance")
	e.wantCredits(e.ws, 4*credit, 2*credit, "after three refusals")
	// The same hold again fits every limit exactly, counted as the second request.
	_, d = e.hold(mt, "", h)
	wantD(t, d, limiter.Allowed, limiter.ScopeMember, 3, 1, "second")
	// A free request of one token fits the last request.
	_, d = e.hold(mt, "", limiter.Hold{Input: 1})
	wantD(t, d, limiter.Allowed, limiter.ScopeMember, 3, 0, "third")
	_, d = e.hold(mt, "", limiter.Hold{Credits: credit})
	wantD(t, d, limiter.Limited, limiter.ScopeMember, 3, 0, "request limit before the balance")
	e.wantCredits(e.ws, 4*credit, 4*credit, "after the request limit")
}

// testHoldExpiry: a hold not settled within the hold lifetime is settled at
// its estimate, attributed as admitted, and a late Settle charges nothing.
func testHoldExpiry(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 100, MemberMonthlyCredits: 10 * credit})
	m := e.member(0)
	mt := e.tok(token.Member, m)
	e.topUp(e.ws, 10*credit)
	r1 := e.mustHold(mt, "gpt-4o", limiter.Hold{Credits: 3 * credit, Input: 100, Output: 50})
	e.clock.Advance(10 * time.Minute)
	r2 := e.mustHold(mt, "", limiter.Hold{Credits: 2 * credit})
	e.clock.Set(Start.Add(holdTTL - time.Second))
	e.wantCredits(e.ws, 10*credit, 5*credit, "just before the first expiry")
	expired := Start.Add(holdTTL + time.Second)
	e.clock.Set(expired)
	e.wantCredits(e.ws, 7*credit, 2*credit, "r1 expired")
	rs := e.requests(e.ws, store.RequestQuery{})
	wantRec := store.RequestRecord{At: expired, RequestID: r1, TokenID: mt.ID, MemberID: m.ID, Kind: "member",
		Upstream: "openai", Model: "gpt-4o", Status: 0, Error: true, Cost: 3 * credit}
	if len(rs) != 1 || !sameExpiryRecord(rs[0], wantRec) {
		t.Fatalf("audit trail %+v, want only the expiry settlement %+v", rs, wantRec)
	}
	if r := e.settle(mt, r1, "gpt-4o", credit, store.Tokens{Input: 10}); r.Settled || r.Balance != 7*credit {
		t.Fatalf("late settle of an expired hold: %+v, want not settled at 7 credits", r)
	}
	// The cap counts the expired hold as spent: 3 spent + 2 held of 10.
	_, d := e.hold(mt, "", limiter.Hold{Credits: 5*credit + 1})
	wantD(t, d, limiter.SpendCapped, limiter.ScopeMemberSpend, 10*credit, 5*credit, "after the expiry")
	e.clock.Set(Start.Add(10*time.Minute + holdTTL + time.Second))
	e.wantCredits(e.ws, 5*credit, 0, "r2 expired")
	if r := e.settle(mt, r2, "", 0, store.Tokens{}); r.Settled {
		t.Fatalf("late settle of r2: %+v, want not settled", r)
	}
	rows, err := e.m.UsageRows(e.ctx, e.ws, Start, Start.Add(3*time.Hour))
	ok(t, err, "UsageRows")
	var n, errs, spent int64
	for _, r := range rows {
		n, errs, spent = n+r.Requests, errs+r.Errors, spent+r.Credits
	}
	if n != 2 || errs != 2 || spent != 5*credit {
		t.Fatalf("usage rows %+v: want 2 requests, 2 errors, 5 credits", rows)
	}
	e.wantLedgerSum(e.ws, "after the expiries")
}

// testHoldExpiryByAdmitAndSettle: an Admit or a Settle of the workspace
// settles expired holds by itself, without a Credits read, at its own time.
func testHoldExpiryByAdmitAndSettle(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 100})
	mt := e.tok(token.Member, e.member(0))
	e.topUp(e.ws, 10*credit)
	r1 := e.mustHold(mt, "", limiter.Hold{Credits: credit})
	byAdmit := Start.Add(holdTTL + time.Minute)
	e.clock.Set(byAdmit)
	r2 := e.mustHold(mt, "", limiter.Hold{Credits: credit})
	rs := e.requests(e.ws, store.RequestQuery{})
	if len(rs) != 1 || rs[0].RequestID != r1 || !rs[0].At.Equal(byAdmit) || rs[0].Cost != credit {
		t.Fatalf("after an Admit past r1's expiry: audit %+v, want r1 settled at %v", rs, byAdmit)
	}
	bySettle := byAdmit.Add(holdTTL + time.Minute)
	e.clock.Set(bySettle)
	e.settle(mt, token.NewID(), "", 0, store.Tokens{})
	found := false
	for _, r := range e.requests(e.ws, store.RequestQuery{}) {
		if r.RequestID == r2 {
			found = r.At.Equal(bySettle) && r.Cost == credit && r.Error
		}
	}
	if !found {
		t.Fatalf("after a Settle past r2's expiry: r2 not settled at its estimate at %v", bySettle)
	}
	e.wantCredits(e.ws, 8*credit, 0, "both expired")
}

// sameExpiryRecord compares the fields an expiry settlement defines.
func sameExpiryRecord(got, want store.RequestRecord) bool {
	return got.At.Equal(want.At) && got.RequestID == want.RequestID && got.TokenID == want.TokenID &&
		got.MemberID == want.MemberID && got.Kind == want.Kind && got.Upstream == want.Upstream &&
		got.Model == want.Model && got.Status == want.Status && got.Error == want.Error &&
		got.Cost == want.Cost && got.Tokens == want.Tokens
}
