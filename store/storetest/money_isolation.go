package storetest

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// in returns the fixture seen from workspace ws: the same store and clock.
func (e *menv) in(ws string) *menv {
	c := *e.env
	c.ws = ws
	return &menv{env: &c, m: e.m}
}

// isEmpty fails unless workspace ws has no money state at all.
func (e *menv) isEmpty(ws string, what string) {
	e.t.Helper()
	e.wantCredits(ws, 0, 0, what)
	if txs := e.ledger(ws, store.TxQuery{}); len(txs) != 0 {
		e.t.Fatalf("%s: ledger %+v, want none", what, txs)
	}
	if rows, err := e.m.UsageRows(e.ctx, ws, Start.Add(-time.Hour), Start.Add(24*time.Hour)); err != nil || len(rows) != 0 {
		e.t.Fatalf("%s: usage rows %+v (%v), want none", what, rows, err)
	}
	if rs := e.requests(ws, store.RequestQuery{}); len(rs) != 0 {
		e.t.Fatalf("%s: requests %+v, want none", what, rs)
	}
	if hs, err := e.m.ListWebhooks(e.ctx, ws); err != nil || len(hs) != 0 {
		e.t.Fatalf("%s: webhooks %+v (%v), want none", what, hs, err)
	}
	if ds, err := e.m.Deliveries(e.ctx, ws, "", 100); err != nil || len(ds) != 0 {
		e.t.Fatalf("%s: deliveries %+v (%v), want none", what, ds, err)
	}
}

// testMoneyIsolation: every read of a workspace sees only its own money,
// and request ids, holds, caps and counters of one workspace never touch
// another's.
func testMoneyIsolation(t *testing.T, e *menv) {
	a := e
	b := e.in(e.workspace(store.Limits{MemberRPM: 100, MemberTPM: 1000, MemberMonthlyCredits: 5 * credit}))
	a.setLimits(store.Limits{MemberRPM: 100, MemberTPM: 1000, MemberMonthlyCredits: 5 * credit})
	b.isEmpty(b.ws, "fresh workspace")
	a.upstream("openai")
	b.upstream("openai")
	atk, btk := a.tok(token.Member, a.member(0)), b.tok(token.Member, b.member(0))
	a.topUp(a.ws, 10*credit)
	a.settle(atk, a.mustHold(atk, "gpt-4o", limiter.Hold{Credits: credit}), "gpt-4o", credit, store.Tokens{})
	held := a.mustHold(atk, "", limiter.Hold{Credits: 4 * credit, Input: 1000})
	v := a.voucher(credit, time.Hour)
	_, _, err := a.m.RedeemVoucher(a.ctx, a.ws, v.Hash, "owner")
	ok(t, err, "RedeemVoucher")
	wh := a.webhook("https://hooks.example.com/a")
	a.delivery(wh.ID, "ev1", 1, 200, true, Start)
	b.isEmpty(b.ws, "after A's activity")
	// B's limits, cap and balance are its own: A's tokens and spend do not count.
	_, d := b.hold(btk, "", limiter.Hold{Credits: 1})
	wantD(t, d, limiter.NoCredits, limiter.ScopeBalance, 0, 0, "B has no credits")
	b.topUp(b.ws, 5*credit)
	b.mustHold(btk, "", limiter.Hold{Credits: 5 * credit, Input: 1000})
	// The same request id settled in B charges B without touching A's hold.
	if r := b.settle(btk, held, "", 2*credit, store.Tokens{}); !r.Settled || r.Balance != 3*credit {
		t.Fatalf("settle of A's request id in B: %+v, want B charged to 3 credits", r)
	}
	a.wantCredits(a.ws, 10*credit, 4*credit, "A after B's settle")
	if r := a.settle(atk, held, "", 4*credit, store.Tokens{}); !r.Settled || r.Balance != 6*credit {
		t.Fatalf("settle in A: %+v, want settled to 6 credits", r)
	}
	if _, _, err := b.m.RedeemVoucher(b.ctx, b.ws, v.Hash, "owner"); err == nil {
		t.Fatalf("B redeemed A's used voucher")
	}
	isErr(t, b.m.UpdateTokenLimits(b.ctx, b.ws, atk.ID, store.TokenLimits{RPM: 1}), store.ErrNotFound, "A's token via B")
	isErr(t, b.m.DeleteWebhook(b.ctx, b.ws, wh.ID), store.ErrNotFound, "A's webhook via B")
	if hs, err := a.m.ListWebhooks(a.ctx, a.ws); err != nil || len(hs) != 1 {
		t.Fatalf("A's webhooks %+v (%v), want the one", hs, err)
	}
	if rs := b.requests(b.ws, store.RequestQuery{TokenID: atk.ID}); len(rs) != 0 {
		t.Fatalf("B's requests filtered by A's token: %+v", rs)
	}
	a.wantLedgerSum(a.ws, "A")
	b.wantLedgerSum(b.ws, "B")
}
