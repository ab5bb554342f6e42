package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// addCredits runs AddCredits of kind and amount with id ("" lets the store
// choose) in workspace ws.
func (e *menv) addCredits(ws, id string, kind store.TxKind, amount int64) (store.Transaction, store.CreditAlerts, error) {
	tx := store.Transaction{ID: id, Kind: kind, Amount: amount, Actor: "operator", Note: "test"}
	a, err := e.m.AddCredits(e.ctx, ws, &tx)
	return tx, a, err
}

// testAddCreditsIdempotent: a transaction with an ID is applied once; a
// repeat returns ErrExists and changes nothing, so an operator's retry never
// credits twice.
func testAddCreditsIdempotent(t *testing.T, e *menv) {
	id := token.NewID()
	tx, _, err := e.addCredits(e.ws, id, store.TxTopUp, 5*credit)
	ok(t, err, "first top-up")
	if tx.ID != id || tx.Balance != 5*credit || !tx.At.Equal(e.clock.Now()) {
		t.Fatalf("top-up %+v: want id %s, balance 5 credits, at %v", tx, id, e.clock.Now())
	}
	e.clock.Advance(time.Minute)
	_, _, err = e.addCredits(e.ws, id, store.TxTopUp, 7*credit)
	isErr(t, err, store.ErrExists, "same id again")
	_, _, err = e.addCredits(e.ws, id, store.TxAdjustment, -credit)
	isErr(t, err, store.ErrExists, "same id as an adjustment")
	e.wantCredits(e.ws, 5*credit, 0, "after the repeats")
	tx2, _, err := e.addCredits(e.ws, "", store.TxTopUp, credit)
	ok(t, err, "top-up without id")
	if tx2.ID == "" || tx2.ID == id || tx2.Balance != 6*credit || !tx2.At.Equal(e.clock.Now()) {
		t.Fatalf("top-up %+v: want a new id, balance 6 credits, at %v", tx2, e.clock.Now())
	}
	txs := e.ledger(e.ws, store.TxQuery{})
	if len(txs) != 2 || !sameTx(txs[0], tx2) || !sameTx(txs[1], tx) {
		t.Fatalf("ledger %+v, want the two top-ups newest first", txs)
	}
}

// sameTx compares two ledger entries field by field.
func sameTx(a, b store.Transaction) bool {
	a.At, b.At = a.At.UTC(), b.At.UTC()
	return a == b
}

// testAddCreditsKinds: adjustments take either sign, top-ups only a
// positive amount, and no other kind is accepted.
func testAddCreditsKinds(t *testing.T, e *menv) {
	e.topUp(e.ws, 5*credit)
	tx, _, err := e.addCredits(e.ws, "", store.TxAdjustment, -2*credit)
	ok(t, err, "negative adjustment")
	if tx.Balance != 3*credit || tx.Kind != store.TxAdjustment || tx.Amount != -2*credit {
		t.Fatalf("adjustment %+v, want -2 credits to balance 3", tx)
	}
	_, _, err = e.addCredits(e.ws, "", store.TxAdjustment, credit)
	ok(t, err, "positive adjustment")
	for _, c := range []struct {
		kind   store.TxKind
		amount int64
	}{{store.TxTopUp, -credit}, {store.TxTopUp, 0}, {store.TxUsage, -credit}, {store.TxVoucher, credit}, {"gift", credit}} {
		if _, _, err := e.addCredits(e.ws, "", c.kind, c.amount); err == nil {
			t.Fatalf("AddCredits %s of %d accepted, want an error", c.kind, c.amount)
		}
	}
	e.wantCredits(e.ws, 4*credit, 0, "after the refused ones")
	_, _, err = e.addCredits(e.ws, "", store.TxAdjustment, -10*credit)
	ok(t, err, "adjustment below zero")
	e.wantCredits(e.ws, -6*credit, 0, "after a large correction")
	_, _, err = e.addCredits(token.NewID(), "", store.TxTopUp, credit)
	isErr(t, err, store.ErrNotFound, "top-up of an unknown workspace")
	e.wantLedgerSum(e.ws, "after the adjustments")
}

// testTransactionsPaged: the ledger reads newest first in pages whose cursor
// ends with "", filtered by [Since, Until), with usage rows per hour.
func testTransactionsPaged(t *testing.T, e *menv) {
	e.upstream("openai")
	m := e.member(0)
	mt := e.tok(token.Member, m)
	var tops []store.Transaction
	for i := 1; i <= 5; i++ {
		e.clock.Set(at(time.Duration(i) * time.Minute))
		tops = append(tops, e.topUp(e.ws, int64(i)*credit))
	}
	e.clock.Set(at(10 * time.Minute))
	e.settle(mt, e.mustHold(mt, "", limiter.Hold{Credits: credit}), "", 700_000, store.Tokens{})
	usage := store.Transaction{ID: usageID(Start, "m", m.ID), Kind: store.TxUsage, Amount: -700_000, Member: m.ID, At: Start}
	wantAll := []store.Transaction{tops[4], tops[3], tops[2], tops[1], tops[0], usage}
	page, next, err := e.m.Transactions(e.ctx, e.ws, store.TxQuery{Limit: 4})
	ok(t, err, "first page")
	if len(page) != 4 || next == "" {
		t.Fatalf("first page of 4: %d entries, cursor %q", len(page), next)
	}
	rest, last, err := e.m.Transactions(e.ctx, e.ws, store.TxQuery{Limit: 4, Cursor: next})
	ok(t, err, "second page")
	if last != "" {
		t.Fatalf("last page: cursor %q, want \"\"", last)
	}
	sameTxs(t, append(page, rest...), wantAll, "two pages")
	sameTxs(t, e.ledger(e.ws, store.TxQuery{Limit: 1}), wantAll, "pages of one")
	sameTxs(t, e.ledger(e.ws, store.TxQuery{Since: at(2 * time.Minute), Until: at(4 * time.Minute)}),
		[]store.Transaction{tops[2], tops[1]}, "[12:02, 12:04)")
	sameTxs(t, e.ledger(e.ws, store.TxQuery{Until: at(time.Minute)}), []store.Transaction{usage}, "until 12:01")
}

// usageID is the ID of the ledger's usage row of hour for a member ("m") or
// key ("k").
func usageID(hour time.Time, mk, id string) string {
	return fmt.Sprintf("%d:%s:%s", hour.Unix(), mk, id)
}

// sameTxs fails unless got equals want entry by entry.
func sameTxs(t *testing.T, got, want []store.Transaction, what string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d entries %+v, want %d %+v", what, len(got), got, len(want), want)
	}
	for i := range got {
		if !sameTx(got[i], want[i]) {
			t.Fatalf("%s: entry %d is %+v, want %+v", what, i, got[i], want[i])
		}
	}
}

// spend holds and settles cost for tk and returns the settlement's result.
func (e *menv) spend(tk *store.Token, cost int64) store.SettleResult {
	e.t.Helper()
	return e.settle(tk, e.mustHold(tk, "", limiter.Hold{Credits: cost}), "", cost, store.Tokens{})
}

// testCreditAlerts: LowBalance and AutoTopUp are raised when a settlement
// or adjustment crosses their threshold downwards, once per crossing, never
// by a top-up, and again after a top-up re-arms them.
func testCreditAlerts(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{})
	e.setBilling(store.Billing{LowBalance: 5 * credit, AutoTopUpBelow: 3 * credit, AutoTopUpAmount: 10 * credit})
	mt := e.tok(token.Member, e.member(0))
	if _, a, err := e.addCredits(e.ws, "", store.TxTopUp, 10*credit); err != nil || a != (store.CreditAlerts{}) {
		t.Fatalf("first top-up: alerts %+v, error %v; want none", a, err)
	}
	low, auto := store.CreditAlerts{LowBalance: true}, store.CreditAlerts{AutoTopUp: true}
	for i, s := range []struct {
		cost int64
		want store.CreditAlerts
	}{
		{4 * credit, store.CreditAlerts{}}, // 10 → 6
		{credit, store.CreditAlerts{}},     // 6 → 5: not below
		{1, low},                           // 5 → 5 − 1 µc
		{1_499_999, store.CreditAlerts{}},  // → 3.5
		{500_000, store.CreditAlerts{}},    // → 3: not below
		{1, auto},                          // → 3 − 1 µc
		{credit, store.CreditAlerts{}},     // → 2 − 1 µc
	} {
		if r := e.spend(mt, s.cost); r.CreditAlerts != s.want {
			t.Fatalf("step %d, cost %d to balance %d: alerts %+v, want %+v", i, s.cost, r.Balance, r.CreditAlerts, s.want)
		}
	}
	if _, a, err := e.addCredits(e.ws, "", store.TxTopUp, 10*credit); err != nil || a != (store.CreditAlerts{}) {
		t.Fatalf("top-up across both: alerts %+v, error %v; want none", a, err)
	}
	if r := e.spend(mt, 8*credit); r.CreditAlerts != low {
		t.Fatalf("12 → 4 after the top-up: %+v, want LowBalance re-armed", r)
	}
	if _, a, err := e.addCredits(e.ws, "", store.TxAdjustment, -2*credit); err != nil || a != auto {
		t.Fatalf("adjustment 4 → 2: alerts %+v, error %v; want AutoTopUp", a, err)
	}
	e.topUp(e.ws, 10*credit)
	if r := e.spend(mt, 10*credit); r.CreditAlerts != (store.CreditAlerts{LowBalance: true, AutoTopUp: true}) {
		t.Fatalf("12 → 2 in one step: %+v, want both alerts", r)
	}
	e.setBilling(store.Billing{})
	e.topUp(e.ws, 10*credit)
	id := e.mustHold(mt, "", limiter.Hold{Credits: 11_999_999})
	if r := e.settle(mt, id, "", 13*credit, store.Tokens{}); r.CreditAlerts != (store.CreditAlerts{}) || r.Balance != -1_000_001 {
		t.Fatalf("thresholds off, 12 → −1: %+v, want no alerts", r)
	}
}

// testCreditAlertsOnce: of many settlements and adjustments racing across a
// threshold, exactly one reports the crossing.
func testCreditAlertsOnce(t *testing.T, e *menv) {
	e.upstream("openai")
	e.setLimits(store.Limits{})
	e.setBilling(store.Billing{LowBalance: 10_500_000, AutoTopUpBelow: 5_500_000})
	e.topUp(e.ws, 20*credit)
	mt := e.tok(token.Member, e.member(0))
	ids := make([]string, 10)
	for i := range ids {
		ids[i] = e.mustHold(mt, "", limiter.Hold{Credits: credit})
	}
	alerts := make(chan store.CreditAlerts, 20)
	start := make(chan struct{})
	done := make(chan struct{})
	for i := range 20 {
		go func() {
			defer func() { done <- struct{}{} }()
			<-start
			if i < 10 {
				var r store.SettleResult
				s := store.Settlement{Workspace: e.ws, RequestID: ids[i], Cost: credit, Record: record(mt, ids[i], "", credit, store.Tokens{})}
				if err := e.m.Settle(e.ctx, &s, &r); err != nil {
					t.Errorf("Settle: %v", err)
				}
				alerts <- r.CreditAlerts
				return
			}
			_, a, err := e.addCredits(e.ws, "", store.TxAdjustment, -credit)
			if err != nil {
				t.Errorf("AddCredits: %v", err)
			}
			alerts <- a
		}()
	}
	close(start)
	for range 20 {
		<-done
	}
	close(alerts)
	var low, auto int
	for a := range alerts {
		low, auto = low+btoi(a.LowBalance), auto+btoi(a.AutoTopUp)
	}
	if low != 1 || auto != 1 {
		t.Fatalf("20 racing debits 20 → 0: %d LowBalance and %d AutoTopUp alerts, want 1 each", low, auto)
	}
	e.wantCredits(e.ws, 0, 0, "after the race")
	e.wantLedgerSum(e.ws, "after the race")
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
