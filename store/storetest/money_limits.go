package storetest

import (
	"errors"
	"testing"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// testSettlementOverMaximaRefused: a settlement above store.MaxSettlementCost
// or with a token count above store.MaxSettlementTokens (or negative) is
// refused with ErrInvalidSettlement and changes nothing: its hold stays, the
// balance, ledger and audit trail are untouched, and the same request
// settles normally afterwards.
func testSettlementOverMaximaRefused(t *testing.T, e *menv) {
	e.upstream("openai")
	mt := e.tok(token.Member, e.member(0))
	e.topUp(e.ws, 10*credit)
	id := e.mustHold(mt, "gpt-4o", limiter.Hold{Credits: credit, Input: 10, Output: 10})
	over := store.Tokens{Input: 1 << 53, Output: 1 << 53} // the reviewer's upstream, unclamped
	for _, c := range []struct {
		what   string
		cost   int64
		tokens store.Tokens
	}{
		{"cost one µc above the maximum", store.MaxSettlementCost + 1, store.Tokens{Input: 1}},
		{"o1-pro at 2^53 tokens each way", 6_755_399_441_055_744_000, over},
		{"input tokens above the maximum", 1, store.Tokens{Input: store.MaxSettlementTokens + 1}},
		{"reasoning tokens above the maximum", 1, store.Tokens{Reasoning: store.MaxSettlementTokens + 1}},
		{"negative cached tokens", 1, store.Tokens{CachedRead: -1}},
	} {
		var r store.SettleResult
		s := store.Settlement{Workspace: e.ws, RequestID: id, Held: true, Cost: c.cost,
			Record: record(mt, id, "gpt-4o", c.cost, c.tokens)}
		if err := e.m.Settle(e.ctx, &s, &r); !errors.Is(err, store.ErrInvalidSettlement) {
			t.Fatalf("%s: Settle = %v, want ErrInvalidSettlement", c.what, err)
		}
		e.wantCredits(e.ws, 10*credit, credit, c.what+": nothing applied, the hold kept")
	}
	if rs := e.requests(e.ws, store.RequestQuery{}); len(rs) != 0 {
		t.Fatalf("audit trail %+v after refused settlements, want empty", rs)
	}
	max := store.Tokens{Input: store.MaxSettlementTokens, Output: store.MaxSettlementTokens}
	s := store.Settlement{Workspace: e.ws, RequestID: id, Held: true, Cost: store.MaxSettlementCost,
		Record: record(mt, id, "gpt-4o", store.MaxSettlementCost, max)}
	var r store.SettleResult
	if err := e.m.Settle(e.ctx, &s, &r); err != nil || !r.Settled || r.Balance != 10*credit-store.MaxSettlementCost {
		t.Fatalf("settle at the maxima: %+v, %v, want settled at %d", r, err, 10*credit-store.MaxSettlementCost)
	}
	e.wantCredits(e.ws, 10*credit-store.MaxSettlementCost, 0, "after the settlement at the maxima")
	e.wantLedgerSum(e.ws, "after the settlement at the maxima")
}
