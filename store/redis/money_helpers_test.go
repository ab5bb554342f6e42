package redisstore_test

import (
	"context"
	"testing"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
	"github.com/tollgate-dev/tollgate/token"
)

// moneyModel is the model the money fixture's key has limits for.
const moneyModel = "gpt-4o"

// seedMoney is seed with every money limit on (token limits, monthly caps,
// per-model limits on the key), billing thresholds and 1000 credits, all
// far from binding.
func seedMoney(t testing.TB, s *redisstore.Store) fixture {
	t.Helper()
	f := seed(t, s)
	ctx := context.Background()
	const big = 1 << 50
	must(t, s.SetLimits(ctx, f.ws, store.Limits{MemberRPM: 1 << 40, KeyRPM: 1 << 40, WorkspaceRPM: 1 << 40,
		MemberTPM: big, KeyTPM: big, WorkspaceTPM: big, MemberMonthlyCredits: big, KeyMonthlyCredits: big}))
	must(t, s.SetBilling(ctx, f.ws, store.Billing{LowBalance: 1, AutoTopUpBelow: 1, AutoTopUpAmount: 5}))
	must(t, s.UpdateTokenLimits(ctx, f.ws, f.key.ID, store.TokenLimits{ModelRPM: map[string]int64{moneyModel: 1 << 40},
		ModelLimits: map[string]store.ModelLimit{moneyModel: {TPM: big, MonthlyTokens: big, MonthlyCredits: big}}}))
	_, err := s.AddCredits(ctx, f.ws, &store.Transaction{Kind: store.TxTopUp, Amount: 1000 * store.MicroPerCredit})
	must(t, err)
	return f
}

// admitHold admits tk for moneyModel holding h under request id rid.
func (f fixture) admitHold(t testing.TB, s *redisstore.Store, tk *store.Token, rid string, h limiter.Hold) limiter.Decision {
	t.Helper()
	var d limiter.Decision
	r := limiter.Request{Workspace: f.ws, TokenHash: tk.Hash, Upstream: f.upstream, Model: moneyModel, RequestID: rid, Hold: h}
	must(t, s.Admit(context.Background(), &r, &d))
	return d
}

// settle settles request rid of tk at cost with tokens.
func (f fixture) settle(t testing.TB, s *redisstore.Store, tk *store.Token, rid string, cost int64, tokens store.Tokens) store.SettleResult {
	t.Helper()
	var r store.SettleResult
	st := store.Settlement{Workspace: f.ws, RequestID: rid, Cost: cost, Record: store.RequestRecord{RequestID: rid,
		TokenID: tk.ID, MemberID: tk.MemberID, Kind: tk.Kind.String(), Method: "POST", Route: "/openai/v1/chat",
		Upstream: f.upstream, Model: moneyModel, Status: 200, Tokens: tokens, Cost: cost}}
	must(t, s.Settle(context.Background(), &st, &r))
	return r
}

// newRID returns a fresh request id.
func newRID() string { return token.NewID() }
