package storetest

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// Figures the money cases use, in micro-credits.
const (
	credit  = store.MicroPerCredit
	holdTTL = time.Hour           // the backends' default hold lifetime
	retain  = 30 * 24 * time.Hour // the backends' default request retention
)

// menv is env with the store kept under the name the money cases use.
type menv struct {
	*env
	m store.Store
}

// withMoney is the fixture of the money cases.
func withMoney(e *env) *menv { return &menv{env: e, m: e.s} }

// topUp adds amount to workspace ws with a top-up and returns the transaction.
func (e *menv) topUp(ws string, amount int64) store.Transaction {
	e.t.Helper()
	tx := store.Transaction{Kind: store.TxTopUp, Amount: amount, Actor: "operator"}
	if _, err := e.m.AddCredits(e.ctx, ws, &tx); err != nil {
		e.t.Fatalf("AddCredits %d to %s: %v", amount, ws, err)
	}
	return tx
}

// req is a request of tk on upstream up for model, holding h under id.
func (e *menv) req(tk *store.Token, up, model, id string, h limiter.Hold) limiter.Request {
	return limiter.Request{Workspace: tk.WorkspaceID, TokenHash: tk.Hash, Upstream: up, Model: model, RequestID: id, Hold: h}
}

// admitReq runs Admit on r and returns the decision.
func (e *menv) admitReq(r limiter.Request) limiter.Decision {
	e.t.Helper()
	var d limiter.Decision
	if err := e.m.Admit(e.ctx, &r, &d); err != nil {
		e.t.Fatalf("Admit: %v", err)
	}
	return d
}

// hold admits tk on "openai" for model holding h under a fresh request id,
// and returns the id and the decision.
func (e *menv) hold(tk *store.Token, model string, h limiter.Hold) (string, limiter.Decision) {
	e.t.Helper()
	id := token.NewID()
	return id, e.admitReq(e.req(tk, "openai", model, id, h))
}

// mustHold is hold that fails the test unless the request is allowed and
// holds h.
func (e *menv) mustHold(tk *store.Token, model string, h limiter.Hold) string {
	e.t.Helper()
	id, d := e.hold(tk, model, h)
	if d.Outcome != limiter.Allowed || d.Held != h {
		e.t.Fatalf("hold %+v: decision %+v, want allowed holding it", h, d)
	}
	return id
}

// record is the audit record of a request by tk on "openai" for model.
func record(tk *store.Token, id, model string, cost int64, tokens store.Tokens) store.RequestRecord {
	return store.RequestRecord{RequestID: id, TokenID: tk.ID, MemberID: tk.MemberID, Kind: tk.Kind.String(),
		Method: "POST", Route: "/openai/v1/chat/completions", Upstream: "openai", Model: model, Status: 200,
		Tokens: tokens, Cost: cost, Latency: 250 * time.Millisecond}
}

// settleRec settles rec in workspace ws and returns the result.
func (e *menv) settleRec(ws string, rec store.RequestRecord) store.SettleResult {
	e.t.Helper()
	var r store.SettleResult
	s := store.Settlement{Workspace: ws, RequestID: rec.RequestID, Cost: rec.Cost, Record: rec}
	if err := e.m.Settle(e.ctx, &s, &r); err != nil {
		e.t.Fatalf("Settle %s: %v", rec.RequestID, err)
	}
	return r
}

// settle settles request id of tk for model at cost with tokens.
func (e *menv) settle(tk *store.Token, id, model string, cost int64, tokens store.Tokens) store.SettleResult {
	e.t.Helper()
	return e.settleRec(tk.WorkspaceID, record(tk, id, model, cost, tokens))
}

// credits returns workspace ws's credits.
func (e *menv) credits(ws string) store.Credits {
	e.t.Helper()
	c, err := e.m.Credits(e.ctx, ws)
	if err != nil {
		e.t.Fatalf("Credits %s: %v", ws, err)
	}
	return c
}

// wantCredits fails unless workspace ws has balance and held.
func (e *menv) wantCredits(ws string, balance, held int64, what string) {
	e.t.Helper()
	if c := e.credits(ws); c.Balance != balance || c.Held != held {
		e.t.Fatalf("%s: credits %+v, want balance %d held %d", what, c, balance, held)
	}
}

// ledger returns every transaction of ws matching q, following the cursor
// with q's page size until it comes back "".
func (e *menv) ledger(ws string, q store.TxQuery) []store.Transaction {
	e.t.Helper()
	var all []store.Transaction
	for page := 0; ; page++ {
		txs, next, err := e.m.Transactions(e.ctx, ws, q)
		if err != nil {
			e.t.Fatalf("Transactions page %d: %v", page, err)
		}
		all = append(all, txs...)
		if next == "" {
			return all
		}
		if page > 10_000 || next == q.Cursor {
			e.t.Fatalf("Transactions: cursor %q does not advance", next)
		}
		q.Cursor = next
	}
}

// wantLedgerSum fails unless ws's ledger sums to its balance.
func (e *menv) wantLedgerSum(ws string, what string) {
	e.t.Helper()
	var sum int64
	for _, tx := range e.ledger(ws, store.TxQuery{}) {
		sum += tx.Amount
	}
	if c := e.credits(ws); c.Balance != sum {
		e.t.Fatalf("%s: balance %d, ledger sums to %d", what, c.Balance, sum)
	}
}

// requests returns every audit record of ws matching q, following the cursor.
func (e *menv) requests(ws string, q store.RequestQuery) []store.RequestRecord {
	e.t.Helper()
	var all []store.RequestRecord
	for page := 0; ; page++ {
		rs, next, err := e.m.Requests(e.ctx, ws, q)
		if err != nil {
			e.t.Fatalf("Requests page %d: %v", page, err)
		}
		all = append(all, rs...)
		if next == "" {
			return all
		}
		if page > 10_000 || next == q.Cursor {
			e.t.Fatalf("Requests: cursor %q does not advance", next)
		}
		q.Cursor = next
	}
}

// setBilling replaces the env workspace's billing settings.
func (e *menv) setBilling(b store.Billing) {
	e.t.Helper()
	if err := e.m.SetBilling(e.ctx, e.ws, b); err != nil {
		e.t.Fatalf("SetBilling: %v", err)
	}
}

// updateLimits replaces the limits of token tk.
func (e *menv) updateLimits(tk *store.Token, l store.TokenLimits) {
	e.t.Helper()
	if err := e.m.UpdateTokenLimits(e.ctx, tk.WorkspaceID, tk.ID, l); err != nil {
		e.t.Fatalf("UpdateTokenLimits: %v", err)
	}
}

// wantD fails the test unless d has outcome o, scope s, limit and remaining.
func wantD(t *testing.T, d limiter.Decision, o limiter.Outcome, s limiter.Scope, limit, remaining int64, what string) {
	t.Helper()
	if d.Outcome != o || d.Scope != s || d.Limit != limit || d.Remaining != remaining {
		t.Fatalf("%s: %v %v limit %d remaining %d (decision %+v); want %v %v limit %d remaining %d",
			what, d.Outcome, d.Scope, d.Limit, d.Remaining, d, o, s, limit, remaining)
	}
}

// untilPeriodEnd is the RetryAfter of a cap at now with billing anchor.
func untilPeriodEnd(now time.Time, anchor int) time.Duration {
	return store.PeriodEnd(store.PeriodStart(now, anchor)).Sub(now)
}
