package storetest

import (
	"testing"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// testCapSetMidPeriodSeesSpend: spend is counted per member, key and
// key-model whether or not a cap is set, so a cap set mid-period sees what
// was spent earlier in the period, held or not; otherwise a cap set after
// the fact would allow a whole period's spend again.
func testCapSetMidPeriodSeesSpend(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{MemberRPM: 100, KeyRPM: 100})
	m := e.member(0)
	mt, kt := e.tok(token.Member, m), e.tok(token.Key, m)
	e.topUp(e.ws, 100*credit)
	e.settle(mt, e.mustHold(mt, "", limiter.Hold{Credits: 4 * credit}), "", 4*credit, store.Tokens{})
	e.settle(mt, token.NewID(), "", credit, store.Tokens{}) // not held
	id := e.mustHold(kt, "gpt-4o", limiter.Hold{Credits: 3 * credit, Input: 400, Output: 100})
	e.settle(kt, id, "gpt-4o", 3*credit, store.Tokens{Input: 400, Output: 100})

	e.setLimits(store.Limits{MemberRPM: 100, KeyRPM: 100, MemberMonthlyCredits: 10 * credit})
	e.updateLimits(kt, store.TokenLimits{Monthly: 10 * credit,
		ModelLimits: map[string]store.ModelLimit{"gpt-4o": {MonthlyCredits: 20 * credit, MonthlyTokens: 1000}}})
	_, d := e.hold(mt, "", limiter.Hold{Credits: 5*credit + 1})
	wantD(t, d, limiter.SpendCapped, limiter.ScopeMemberSpend, 10*credit, 5*credit, "member cap set after 5 credits spent")
	_, d = e.hold(kt, "gpt-4o", limiter.Hold{Credits: 7*credit + 1})
	wantD(t, d, limiter.SpendCapped, limiter.ScopeKeySpend, 10*credit, 7*credit, "key cap set after 3 credits spent")
	_, d = e.hold(kt, "gpt-4o", limiter.Hold{Credits: credit, Input: 501})
	wantD(t, d, limiter.SpendCapped, limiter.ScopeKeyModelTokensMonth, 1000, 500, "model token cap set after 500 tokens")
	if _, d = e.hold(mt, "", limiter.Hold{Credits: 5 * credit}); d.Outcome != limiter.Allowed {
		t.Fatalf("member hold of exactly the room left: %+v, want Allowed", d)
	}
}
