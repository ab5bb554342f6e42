package storetest

import (
	"testing"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// settleHeld settles request id of tk for model at cost with tokens, as
// the gateway does for a request admission held (Settlement.Held).
func (e *menv) settleHeld(tk *store.Token, id, model string, cost int64, tokens store.Tokens) store.SettleResult {
	e.t.Helper()
	var r store.SettleResult
	rec := record(tk, id, model, cost, tokens)
	s := store.Settlement{Workspace: tk.WorkspaceID, RequestID: id, Held: true, Cost: cost, Record: rec}
	if err := e.m.Settle(e.ctx, &s, &r); err != nil {
		e.t.Fatalf("Settle %s: %v", id, err)
	}
	return r
}

// testHeldSettleGuardedByHold: every request admitted with a RequestID is
// held, a zero Hold too, so a Held settlement charges once and its retry
// nothing with no marker to keep; a Held settlement whose request was
// never held charges nothing, because then it was settled before.
func testHeldSettleGuardedByHold(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 100, MemberMonthlyCredits: 10 * credit})
	mt := e.tok(token.Member, e.member(0))
	e.topUp(e.ws, 10*credit)
	free, d := e.hold(mt, "gpt-4o", limiter.Hold{})
	if d.Outcome != limiter.Allowed || d.Held != (limiter.Hold{}) {
		t.Fatalf("zero hold: %+v, want allowed holding nothing", d)
	}
	priced := e.mustHold(mt, "gpt-4o", limiter.Hold{Credits: 2 * credit, Input: 10})
	e.wantCredits(e.ws, 10*credit, 2*credit, "a zero hold and a priced one")
	for i, c := range []struct {
		id      string
		cost    int64
		balance int64
	}{{free, credit, 9 * credit}, {priced, 3 * credit, 6 * credit}} {
		if r := e.settleHeld(mt, c.id, "gpt-4o", c.cost, store.Tokens{Input: 5}); !r.Settled || r.Balance != c.balance {
			t.Fatalf("settlement %d: %+v, want settled at %d", i, r, c.balance)
		}
		if r := e.settleHeld(mt, c.id, "gpt-4o", c.cost, store.Tokens{Input: 5}); r.Settled || r.Balance != c.balance {
			t.Fatalf("retry %d: %+v, want not settled at %d", i, r, c.balance)
		}
	}
	if r := e.settleHeld(mt, token.NewID(), "gpt-4o", credit, store.Tokens{}); r.Settled || r.Balance != 6*credit {
		t.Fatalf("held settlement of a request never held: %+v, want not settled at 6 credits", r)
	}
	e.wantCredits(e.ws, 6*credit, 0, "after the retries")
	// The cap counts the zero hold's settlement: 4 of 10 spent.
	_, d = e.hold(mt, "", limiter.Hold{Credits: 6*credit + 1})
	wantD(t, d, limiter.SpendCapped, limiter.ScopeMemberSpend, 10*credit, 6*credit, "after both")
	if rs := e.requests(e.ws, store.RequestQuery{}); len(rs) != 2 {
		t.Fatalf("%d audit records, want one per request (2)", len(rs))
	}
	e.wantLedgerSum(e.ws, "after held settlements")
}
